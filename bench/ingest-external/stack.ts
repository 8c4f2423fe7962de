// The scale-out stack of bench:ingest-external: a throw-away PostgreSQL with N sensor
// devices, Mosquitto with the config `npm run mosquitto:config` generates (started as
// the caller; as root it drops to user `mosquitto`), and app instances of the built app
// (`npm start`'s process) with DATABASE_URL and MQTT_URL, each its own MQTT user.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256 } from '../../src/lib/server/auth/tokens';
import { openAndMigrate, type Database } from '../../src/lib/server/db';
import { mosquittoHash } from '../../src/lib/server/devices/mosquitto';
import { writeMosquittoFiles } from '../../src/lib/server/devices/mosquitto-files';
import type { ConnSpec } from '../ingest/protocol';
import { HOST, MOSQUITTO_BIN, RW_CODE, type Target } from '../ingest/targets';
import { startApp, type BenchApp } from '../lib/app';
import { processCpuSeconds } from '../lib/proc';
import { topics } from '../../src/lib/server/mqtt/topics';

export const APP_PASSWORD = randomBytes(12).toString('base64url');

export interface Devices {
	ids: string[];
	secrets: string[];
}

/** Migrates the database and registers `count` sensors (secret hashes for the app and for Mosquitto). */
export async function prepareDatabase(url: string, count: number): Promise<{ db: Database; devices: Devices }> {
	const db = await openAndMigrate({ databaseUrl: url, dataDir: os.tmpdir() });
	const [rw] = await db.query<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ($1, 'RW 012 (benchmark)', 'Benchmark', 'Jakarta Selatan') returning id`, [RW_CODE]);
	const ids = Array.from({ length: count }, (_, i) => `bench-x-${String(i + 1).padStart(4, '0')}`);
	const secrets = ids.map(() => randomBytes(18).toString('base64url'));
	await db.query(
		`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash, mosquitto_hash)
		 select id, $1, 'sensor', 'Bench sensor ' || id, 60, 300, 400, 100, 150, 200, h, m
		   from unnest($2::text[], $3::text[], $4::text[]) as t(id, h, m)`,
		[rw!.id, ids, secrets.map(sha256), secrets.map((s) => mosquittoHash(s))]
	);
	return { db, devices: { ids, secrets } };
}

export interface BenchMosquitto extends Target {
	log(): string;
}

/** Mosquitto with the generated config (persistence, queue limits, the registry's ACL). */
export async function startGeneratedMosquitto(port: number, devices: Devices, appUsers: string[]): Promise<BenchMosquitto> {
	if (!existsSync(MOSQUITTO_BIN)) throw new Error(`${MOSQUITTO_BIN} is missing (apt-get install mosquitto, or scripts/ensure-apt.sh)`);
	const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-mosq-'));
	await writeMosquittoFiles({
		out: dir,
		port,
		host: HOST,
		devices: devices.ids.map((id, i) => ({ id, rwCode: RW_CODE, kind: 'sensor', mosquittoHash: mosquittoHash(devices.secrets[i]!) })),
		appUsers,
		appPassword: APP_PASSWORD,
		extra: ['log_dest stderr', 'log_type error', 'log_type warning']
	});
	const child = spawn(MOSQUITTO_BIN, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	child.stderr!.on('data', (d: Buffer) => {
		if (log.length < 20_000) log += d.toString();
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	await waitFor(async () => (child.exitCode !== null ? Promise.reject(new Error(`mosquitto exited: ${log}`)) : portOpen(port)), 10_000, 'mosquitto listening');
	const pid = child.pid!;
	return {
		name: 'mosquitto → 2 app instances → PostgreSQL',
		port,
		pid,
		log: () => log,
		conns: (count: number): ConnSpec[] =>
			Array.from({ length: count }, (_, i) => {
				const k = i % devices.ids.length;
				const id = devices.ids[k]!;
				return { clientId: id, username: id, password: devices.secrets[k]!, topic: topics.sensorLevel(RW_CODE, id), distanceCm: 150 + (i % 50) };
			}),
		sample: () => ({ at: performance.now(), cpuSeconds: processCpuSeconds(pid), accepted: null, batches: null, batchItems: null, writeCalls: null, writeMs: null }),
		async close() {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}
			await rm(dir, { recursive: true, force: true });
		}
	};
}

export interface Instance {
	user: string;
	app: BenchApp;
	dataDir: string;
}

/** One app instance (`npm start`'s process) in scale-out mode; resolves once /healthz says the broker is connected. */
/** The instances' /metrics bearer token (METRICS_TOKEN): the bench reads their counters with it. */
export const METRICS_TOKEN = randomBytes(24).toString('base64url');

export async function startInstance(user: string, env: { databaseUrl: string; mqttPort: number; dataKey: string }, nodeFlags: string[] = []): Promise<Instance> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-app-'));
	const app = await startApp({
		DATA_DIR: dataDir,
		DATABASE_URL: env.databaseUrl,
		SEED_DEMO: '0',
		RUKUN_DATA_KEY: env.dataKey,
		MQTT_URL: `mqtt://${HOST}:${env.mqttPort}`,
		MQTT_USERNAME: user,
		MQTT_PASSWORD: APP_PASSWORD,
		METRICS_TOKEN,
		// An experiment's setting passes through (the app's default otherwise).
		...(process.env.MQTT_BATCH_WAIT_MS ? { MQTT_BATCH_WAIT_MS: process.env.MQTT_BATCH_WAIT_MS } : {})
	}, undefined, nodeFlags);
	await waitFor(async () => (await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5000) })).status === 200, 60_000, `${user} healthy`);
	return { user, app, dataDir };
}

/** SIGKILL, and wait until the process is gone. */
export async function killInstance(instance: Instance): Promise<void> {
	process.kill(instance.app.pid, 'SIGKILL');
	await waitFor(async () => !alive(instance.app.pid), 10_000, `${instance.user} gone`);
}

export async function stopInstance(instance: Instance): Promise<void> {
	await instance.app.stop(15_000);
	await rm(instance.dataDir, { recursive: true, force: true });
}

/** Resident memory of a process in MB (VmRSS), or null when it is gone. */
export function rssMb(pid: number): number | null {
	try {
		const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
		return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
	} catch {
		return null;
	}
}

function alive(pid: number): boolean {
	try {
		const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
		return state !== undefined && state !== 'Z';
	} catch {
		return false;
	}
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, HOST, () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function portOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = net.connect({ host: HOST, port }, () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
	});
}

/** Polls a condition every 100 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			if (await check()) return;
		} catch (err) {
			if (err instanceof Error && err.message.startsWith('mosquitto exited')) throw err;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs / 1000} s)`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
