// The brokers the ingest benchmark drives: the full Rukun path (real broker, hooks,
// Ingest, PGlite in a fresh temp dir), a bare aedes, and Mosquitto when installed.
// Each target reports server-side counters the benchmark samples at the start and
// end of a measured window.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { sha256 } from '../../src/lib/server/auth/tokens';
import type { Database } from '../../src/lib/server/db';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrate';
import { openPglite } from '../../src/lib/server/db/pglite';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import { processCpuSeconds } from './stats';
import type { ConnSpec } from './protocol';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST = '127.0.0.1';
export const RW_CODE = 'RW012';
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** Server-side counters at one instant. */
export interface ServerSample {
	at: number;
	/** CPU seconds of the broker's process (this process for the Node brokers). */
	cpuSeconds: number | null;
	accepted: number | null;
	batches: number | null;
	batchItems: number | null;
	writeCalls: number | null;
	writeMs: number | null;
}

export interface Target {
	name: string;
	port: number;
	/** The broker's process: this one for the Node brokers. */
	pid: number;
	conns(count: number): ConnSpec[];
	sample(): ServerSample;
	close(): Promise<void>;
}

function ownCpuSeconds(): number {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1e6;
}

const sensorTopic = (id: string) => `rw/${RW_CODE}/sensor/${id}/level`;
const distanceOf = (i: number) => 150 + (i % 50);

/** Timing of every writeReadings statement (rows, ms), from a wrapper around db.query. */
export class WriteLog {
	calls = 0;
	totalMs = 0;
	recording = false;
	readonly batches: { rows: number; ms: number }[] = [];

	add(rows: number, ms: number): void {
		this.calls++;
		this.totalMs += ms;
		if (this.recording && this.batches.length < 200_000) this.batches.push({ rows, ms });
	}
}

/** The same database, with the reading insert (writer.ts) timed; everything else untouched. */
function timedDatabase(db: Database, log: WriteLog): Database {
	return {
		...db,
		async query<T>(text: string, params?: unknown[]): Promise<T[]> {
			if (!text.includes('insert into reading (')) return db.query<T>(text, params);
			const rows = Array.isArray(params?.[0]) ? (params[0] as unknown[]).length : 0;
			const t0 = performance.now();
			try {
				return await db.query<T>(text, params);
			} finally {
				log.add(rows, performance.now() - t0);
			}
		}
	};
}

export interface FullPath extends Target {
	db: Database;
	ingest: Ingest;
	broker: BrokerHandle;
	writes: WriteLog;
	dataDir: string;
	brokerLog: string[];
	readingCount(): Promise<number>;
}

export interface BenchDatabase {
	db: Database;
	dataDir: string;
	rwId: string;
	ids: string[];
	secrets: string[];
	/** Closes the database and removes its directory. */
	dispose(): Promise<void>;
}

/**
 * Fresh PGlite in a temp dir, migrated; one RW; `devices` sensors inserted directly
 * with secret_hash = sha256(secret).
 */
export async function benchDatabase(devices: number): Promise<BenchDatabase> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-ingest-'));
	let db: Database | null = null;
	try {
		db = await openPglite(path.join(dataDir, 'pglite'));
		await migrate(db, await loadMigrations(path.join(ROOT, 'supabase/migrations')));
		const [rw] = await db.query<{ id: string }>(
			`insert into rw (code, name, kelurahan, city) values ($1, 'RW 012 (benchmark)', 'Benchmark', 'Jakarta Selatan') returning id`,
			[RW_CODE]
		);
		const ids = Array.from({ length: devices }, (_, i) => `bench-s-${String(i + 1).padStart(4, '0')}`);
		const secrets = ids.map(() => randomBytes(18).toString('base64url'));
		await db.query(
			`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm,
			                     siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 select id, $1, 'sensor', 'Bench sensor ' || id, 60, 300, 400, 100, 150, 200, h
			   from unnest($2::text[], $3::text[]) as t(id, h)`,
			[rw!.id, ids, secrets.map(sha256)]
		);
		const opened = db;
		return {
			db: opened,
			dataDir,
			rwId: rw!.id,
			ids,
			secrets,
			async dispose() {
				await opened.close();
				await rm(dataDir, { recursive: true, force: true });
			}
		};
	} catch (err) {
		await db?.close().catch(() => {});
		await rm(dataDir, { recursive: true, force: true });
		throw err;
	}
}

/** The bench database with the real broker, hooks and Ingest on it. */
export async function startFullPath(devices: number): Promise<FullPath> {
	const base = await benchDatabase(devices);
	try {
		const { ids, secrets } = base;
		const writes = new WriteLog();
		const db = timedDatabase(base.db, writes);
		const ingest = new Ingest(db);
		const brokerLog: string[] = [];
		const broker = await startBroker({
			port: 0,
			host: HOST,
			allowAnonymous: false,
			hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey: randomBytes(32) }),
			log: (line) => {
				if (brokerLog.length < 50) brokerLog.push(line);
			}
		});
		return {
			name: 'full path',
			port: broker.tcpPort,
			pid: process.pid,
			db: base.db,
			ingest,
			broker,
			writes,
			dataDir: base.dataDir,
			brokerLog,
			conns: (count) =>
				Array.from({ length: count }, (_, i) => {
					const k = i % devices;
					return { clientId: ids[k]!, username: ids[k]!, password: secrets[k]!, topic: sensorTopic(ids[k]!), distanceCm: distanceOf(i) };
				}),
			sample: () => ({
				at: performance.now(),
				cpuSeconds: ownCpuSeconds(),
				accepted: ingest.metrics.accepted,
				batches: ingest.readings.stats.batches,
				batchItems: ingest.readings.stats.items,
				writeCalls: writes.calls,
				writeMs: writes.totalMs
			}),
			async readingCount() {
				const [row] = await base.db.query<{ n: string | number }>('select count(*) as n from reading');
				return Number(row!.n);
			},
			async close() {
				await broker.close();
				await ingest.flush();
				await base.dispose();
			}
		};
	} catch (err) {
		await base.dispose();
		throw err;
	}
}

function listen(server: net.Server): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, HOST, () => {
			server.off('error', reject);
			resolve((server.address() as net.AddressInfo).port);
		});
	});
}

const anonymousConns = (prefix: string) => (count: number) =>
	Array.from({ length: count }, (_, i) => {
		const id = `${prefix}-${String(i + 1).padStart(4, '0')}`;
		return { clientId: id, topic: sensorTopic(id), distanceCm: distanceOf(i) };
	});

/** aedes with no hooks (anonymous, nothing stored), on a plain TCP server as broker.ts does. */
export async function startBareAedes(): Promise<Target> {
	const aedes = await Aedes.createBroker();
	const server = net.createServer((socket) => aedes.handle(socket));
	const port = await listen(server);
	return {
		name: 'bare aedes',
		port,
		pid: process.pid,
		conns: anonymousConns('bare'),
		sample: () => ({ at: performance.now(), cpuSeconds: ownCpuSeconds(), accepted: null, batches: null, batchItems: null, writeCalls: null, writeMs: null }),
		async close() {
			await new Promise<void>((resolve) => aedes.close(() => resolve()));
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	const port = await listen(server);
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** Resolves once something accepts TCP connections on the port, or rejects after timeoutMs. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode})`);
		const ok = await new Promise<boolean>((resolve) => {
			const s = net.connect({ host: HOST, port }, () => {
				s.destroy();
				resolve(true);
			});
			s.once('error', () => resolve(false));
		});
		if (ok) return;
		if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Mosquitto with its own temp config, or null when the binary is not installed. */
export async function startMosquitto(bin = MOSQUITTO_BIN): Promise<Target | null> {
	if (!existsSync(bin)) return null;
	const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-mosquitto-'));
	const port = await freePort();
	const config = path.join(dir, 'mosquitto.conf');
	await writeFile(
		config,
		[
			`listener ${port} ${HOST}`,
			'allow_anonymous true',
			'persistence false',
			'log_dest none',
			'max_inflight_messages 0',
			'max_queued_messages 0',
			''
		].join('\n')
	);
	const child = spawn(bin, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		if (stderr.length < 4000) stderr += chunk.toString();
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
		}
		await rm(dir, { recursive: true, force: true });
	};
	try {
		await waitForPort(port, child, 10_000);
	} catch (err) {
		await stop();
		throw new Error(`${(err as Error).message}\n${stderr}`);
	}
	const pid = child.pid!;
	return {
		name: 'mosquitto',
		port,
		pid,
		conns: anonymousConns('mosq'),
		sample: () => ({ at: performance.now(), cpuSeconds: processCpuSeconds(pid), accepted: null, batches: null, batchItems: null, writeCalls: null, writeMs: null }),
		close: stop
	};
}
