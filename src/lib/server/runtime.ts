import type { Server as HttpServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { Config } from './config';
import { openAndMigrate, type Database } from './db';
import { startBroker, type BrokerStats } from './mqtt/broker';
import { DEMO_USERS, seedDemo } from './seed/demo';
import { seedDemoDevices } from './seed/demo-devices';
import { cacheSessions, followSessionChanges, pruneExpiredSessions, SessionCache } from './auth/sessions';
import type { SessionChanges } from './auth/session-changes';
import { loadPiiKeys, type PiiKeys } from './crypto/pii';
import { Ingest } from './ingest/ingest';
import { AlarmService } from './alarms/service';
import { pruneReadings } from './ingest/retention';
import { brokerHooks } from './mqtt/hooks';
import { LocalFileStore, type FileStore } from './storage/files';
import { seedMissingCatalogues } from './letters/catalogue';
import { sealPendingLetters } from './letters/seal';
import { stopPdfWorker } from './letters/pdf-renderer';
import { removeAbandonedImports } from './registry/registration';
import path from 'node:path';
import { pruneTemp, TEMP_KINDS } from './storage/temp-files';
import { PumpCommands } from './pumps/commands';
// Web Push (docs/push.md)
import { startPush, type PushService } from './push/service';
import { floodNotifier } from './push/flood';
// dues (iuran)
import { scheduleMonthlyInvoices } from './dues/generate';
import { followDuesVersions } from './dues/versions';
import { seedDemoDues } from './seed/demo-dues';
// Panic incidents
import { PanicService } from './panic/service';

/** The MQTT side: the embedded aedes, or a client of an external broker (MQTT_URL). */
export interface MqttSide {
	mode: 'embedded' | 'external';
	/** TCP port of the embedded broker; null when external. */
	tcpPort: number | null;
	wsPath: string | null;
	isUp(): boolean;
	stats(): BrokerStats;
	/**
	 * Publishes a server message (alerts to dashboards, commands to pumps), QoS 1.
	 * Resolves when the broker took it (embedded: delivered to subscribers' queues;
	 * external: PUBACK from the broker); rejects when it cannot (no connection).
	 */
	publish(topic: string, payload: string | Buffer, options?: { retain?: boolean }): Promise<void>;
	/** Drops a device's connection (embedded only; on an external broker regenerate its ACL). */
	disconnect(clientId: string): void;
	close(): Promise<void>;
}

/** Everything the one Rukun process runs besides the HTTP handler (docs/architecture.md). */
export interface Runtime {
	config: Config;
	db: Database;
	broker: MqttSide;
	/** Device message validation, store-then-ack writes and counters. */
	ingest: Ingest;
	/** Alarms from committed readings and device status (recorded, published on rw/{rw}/alerts/…). */
	alarms: AlarmService;
	/** Pump commands: sent, confirmed by the pump's state, failed after 10 s. */
	pumps: PumpCommands;
	/** Panic incidents: presses, steps, announcements of button presses, escalation (docs/panic.md). */
	panic: PanicService;
	/** Keys for NIK/KK encryption and blind indexes. */
	pii: PiiKeys;
	/** Uploaded and issued files (DATA_DIR/files; replaceable by Supabase Storage). */
	files: FileStore;
	/** Web Push: VAPID keys and the sender of the notification rows to subscribed devices. */
	push: PushService;
	seeded: boolean;
	/** Demo logins to print at start (when the demo RW is seeded). */
	demoLogins: { phone: string; role: string; name: string }[];
	close(): Promise<void>;
}

export interface RuntimeOptions {
	httpServer?: HttpServer;
	log?: (message: string) => void;
	/** A certificate the push sender also trusts: a local push endpoint in benchmarks (the app itself uses NODE_EXTRA_CA_CERTS). */
	pushCa?: string;
	/** PGlite's session gate measures CPU and run-queue time per hold (benchmarks: bench:alerts). */
	measureCpu?: boolean;
}

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
	const log = options.log ?? ((m: string) => console.log(m));
	await mkdir(config.dataDir, { recursive: true });
	const pii = await loadPiiKeys({ envKey: config.dataKey, dataDir: config.dataDir });
	if (config.databaseUrl && !config.dataKey) {
		log('warning: DATABASE_URL without RUKUN_DATA_KEY — NIK/KK key kept in DATA_DIR/keys; every instance needs the same key');
	}
	const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, measureCpu: options.measureCpu });
	const sessionCache = new SessionCache(config.sessionCacheSeconds * 1000);
	cacheSessions(db, sessionCache);
	let broker: MqttSide;
	let seeded = false;
	let sessionChanges: SessionChanges | null = null;
	// With an external broker the device already has its PUBACK: readings may wait a
	// moment to be stored in fewer, larger batches (docs/architecture.md, "Scale-out").
	const gather = config.mqttUrl ? { rows: Math.min(1000, config.mqttReceiveMaximum), ms: config.mqttBatchWaitMs } : undefined;
	const ingest = new Ingest(db, { log, gather });
	// Subscribed before the broker takes messages, so no committed reading is missed; it
	// rebuilds from the database first. With an external broker the instances share the
	// readings, so each decides on the history in the database.
	const alarms = new AlarmService({
		db,
		events: ingest.events,
		publish: (topic, payload) => broker.publish(topic, payload),
		sharedWindow: Boolean(config.mqttUrl),
		holdMs: config.alarmHoldSeconds * 1000,
		log
	});
	const rebuilt = alarms.start();
	try {
		// Other instances share the database: their logouts and role changes reach this cache at once.
		if (config.databaseUrl && sessionCache.ttlMs > 0) {
			// Loaded only where used (as the external broker's client below): the embedded
			// app does not hold the PostgreSQL driver or the MQTT client in memory.
			const { listenForSessionChanges } = await import('./auth/session-changes');
			sessionChanges = await listenForSessionChanges(config.databaseUrl, sessionCache);
		}
		// PGlite (one session): its own announcements of session and dues-version changes
		// reach this process before the committing call returns (docs/dues.md, "Cached views").
		await followSessionChanges(db, sessionCache);
		await followDuesVersions(db);
		if (config.seedDemo) seeded = await seedDemo(db, { password: config.demoPassword, pii });
		// Also for a demo seeded before it had devices; writes DATA_DIR/demo-devices.json for `npm run demo:sim`.
		if (config.seedDemo) await seedDemoDevices(db, { password: config.demoPassword, dataDir: config.dataDir, mqttPort: config.mqttPort });
		// dues (iuran): the demo RW's tariffs, invoices and some payments, once.
		if (config.seedDemo) await seedDemoDues(db);
		// RWs that predate the letters catalogue get it seeded from layanan.json.
		await seedMissingCatalogues(db);
		if (config.mqttUrl) {
			// Not awaited: the app serves (and /healthz answers 503) until the broker is reachable.
			// Browsers' /mqtt relays the alerts heard on it (mqtt/external-side.ts).
			const { externalSide } = await import('./mqtt/external-side');
			broker = await externalSide({ config, db, ingest, tokenKey: pii.tokens, httpServer: options.httpServer, log });
		} else {
			const embedded = await startBroker({
				port: config.mqttPort,
				host: config.mqttHost,
				httpServer: options.httpServer,
				allowAnonymous: config.mqttAllowAnonymous,
				hooks: brokerHooks({ db, ingest, allowAnonymous: config.mqttAllowAnonymous, tokenKey: pii.tokens }),
				log
			});
			broker = { mode: 'embedded', ...embedded, publish: embedded.publish };
		}
		await rebuilt;
	} catch (err) {
		await alarms.close();
		await sessionChanges?.close();
		await db.close();
		throw err;
	}
	ingest.start();
	const pumps = new PumpCommands({ db, publish: (topic, payload) => broker.publish(topic, payload), events: ingest.events, log });
	await pumps.start();
	// Web Push: the notification rows go to subscribed devices; flood level changes become flood.* notifications.
	const push = await startPush({ db, dataDir: config.dataDir, databaseUrl: config.databaseUrl, vapidPublicKey: config.vapidPublicKey, vapidPrivateKey: config.vapidPrivateKey, vapidSubject: config.vapidSubject, log, ...(options.pushCa ? { sender: { ca: options.pushCa } } : {}) });
	const offFlood = alarms.onLevelChange(floodNotifier(db, log));
	// Panic incidents: sweeps what a previous run left unannounced or unescalated, then listens.
	const panic = new PanicService({ db, events: ingest.events, publish: (topic, payload) => broker.publish(topic, payload), escalateS: config.panicEscalateS, log });
	await panic.start();
	// Spreadsheets left by an abandoned import (encrypted, but full of NIK/KK numbers):
	// also those of a previous run, not only when the next import comes.
	const pruneUploads = () =>
		Promise.all(Object.values(TEMP_KINDS).map((kind) => pruneTemp(config.dataDir, kind))).catch((err: unknown) => log(`pruning uploads failed: ${String(err)}`));
	void pruneUploads();
	const files = new LocalFileStore(path.join(config.dataDir, 'files'));
	// Letters numbered before a crash that came before their PDF was sealed.
	void sealPendingLetters(db, { pii, store: files })
		.then((n) => n > 0 && log(`sealed the PDF of ${n} letter(s) issued before the last stop`))
		.catch((err: unknown) => log(`sealing pending letters failed: ${String(err)}`));
	// A registry import stopped mid-way (written in chunks) is removed: on PGlite this is
	// the only process; on PostgreSQL another instance may be importing now.
	const abandonedAfterMs = db.kind === 'pglite' ? 0 : 600_000;
	const removeAbandoned = () =>
		removeAbandonedImports(db, abandonedAfterMs)
			.then((n) => n > 0 && log(`removed the rows of ${n} unfinished registry import(s)`))
			.catch((err: unknown) => log(`removing unfinished imports failed: ${String(err)}`));
	void removeAbandoned();
	// dues (iuran): this month's invoices now (a 1st missed while down is made up) and on each 1st, 00:00 WIB.
	const stopDues = scheduleMonthlyInvoices(db, log);
	const housekeeping = setInterval(() => {
		void pruneUploads();
		void removeAbandoned();
		pruneExpiredSessions(db)
			.then(() => pruneReadings(db, config.readingRetentionDays))
			// PGlite has no autovacuum: reclaim the pending-rollup rows (one insert and one
			// delete per ingest batch) and the pruned readings, refresh planner statistics.
			.then(async (pruned) => {
				if (db.kind !== 'pglite') return;
				await db.exec('vacuum rollup_pending');
				if (pruned > 0) await db.exec('vacuum reading');
				await db.exec('analyze');
			})
			.catch((err: unknown) => log(`housekeeping failed: ${String(err)}`));
	}, 3600_000);
	housekeeping.unref();

	let closing: Promise<void> | null = null;
	return {
		config,
		db,
		broker,
		ingest,
		alarms,
		pumps,
		panic,
		pii,
		files,
		push,
		seeded,
		demoLogins: config.seedDemo ? DEMO_USERS.map(({ phone, role, name }) => ({ phone, role, name })) : [],
		close() {
			closing ??= (async () => {
				clearInterval(housekeeping);
				stopDues();
				pumps.close();
				await panic.close();
				try {
					await broker.close();
					await ingest.close();
					// After the ingest's last batches: their alarms are still recorded.
					await alarms.close();
					offFlood();
					await push.close();
					await sessionChanges?.close();
					await stopPdfWorker();
				} finally {
					await db.close();
				}
			})();
			return closing;
		}
	};
}

// The runtime is created once per process by the server entry (or, under `vite dev`,
// by the init hook) and shared with the SvelteKit handler through this slot.
const SLOT = Symbol.for('rukun.runtime');
type Slot = { [SLOT]?: Runtime };

export function setRuntime(runtime: Runtime): void {
	(globalThis as Slot)[SLOT] = runtime;
}

export function getRuntime(): Runtime {
	const runtime = (globalThis as Slot)[SLOT];
	if (!runtime) throw new Error('Rukun runtime not started');
	return runtime;
}

/** The HTTP server that scripts/start.js created, if this process was started by it. */
export function bootHttpServer(): HttpServer | undefined {
	return (globalThis as { [key: symbol]: unknown })[Symbol.for('rukun.httpServer')] as HttpServer | undefined;
}

export function hasRuntime(): boolean {
	return (globalThis as Slot)[SLOT] !== undefined;
}
