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
import { Aedes } from 'aedes';
import type { Database } from '../../src/lib/server/db';
import type { Statement } from '../../src/lib/server/db/types';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import { benchDatabase, ROOT, RW_CODE } from './database';
import { processCpuSeconds } from './stats';
import type { ConnSpec } from './protocol';
import { topics } from '../../src/lib/server/mqtt/topics';
import { Waterfall } from './waterfall';

export { ROOT, RW_CODE };
export const HOST = '127.0.0.1';
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

const sensorTopic = (id: string) => topics.sensorLevel(RW_CODE, id);
const distanceOf = (i: number) => 150 + (i % 50);

/** Timing of every reading write (rows, ms): writer.ts's COPY and its statement, from wrappers around db.copyIn and db.query. */
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

/** Rows in a binary COPY buffer (src/lib/server/db/copy.ts): the tuples walked by their field lengths. */
function copyRows(data: Uint8Array): number {
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	let at = 19 + view.getInt32(15); // signature, flags, header extension
	let rows = 0;
	for (let fields = view.getInt16(at); fields !== -1; fields = view.getInt16(at)) {
		at += 2;
		for (let f = 0; f < fields; f++) at += 4 + Math.max(0, view.getInt32(at));
		rows++;
	}
	return rows;
}

/** The same database, with the reading write (writer.ts: COPY, or its statement) timed and its COPY's stages stamped; everything else untouched. */
function timedDatabase(db: Database, log: WriteLog, waterfall: Waterfall): Database {
	const copyIn = db.copyIn;
	return {
		...db,
		// The ingest writes through the realtime handle (realtimeOf): timed there too.
		...(db.realtime && { realtime: timedDatabase(db.realtime, log, waterfall) }),
		...(copyIn && {
			async copyIn(table: string, columns: readonly string[], data: Uint8Array<ArrayBuffer>, after?: Statement[]) {
				if (table !== 'reading') return copyIn(table, columns, data, after);
				const t0 = performance.now();
				const rows = copyRows(data);
				try {
					return await waterfall.copy(rows, () => copyIn(table, columns, data, after));
				} finally {
					log.add(rows, performance.now() - t0);
				}
			}
		}),
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
	/** Stamps each batch of readings on its way (with `measureCpu`: the worker's side too). */
	waterfall: Waterfall;
	dataDir: string;
	brokerLog: string[];
	/** Waits until everything accepted is written (rollups included). */
	settle(): Promise<void>;
	/** Rows in reading, and the reading counts the minute and hour rollups add up to. */
	counts(): Promise<{ rows: number; minuteN: number; hourN: number }>;
}

/**
 * The bench database with the real broker, hooks and Ingest on it, PGlite in its worker
 * thread as the app runs it, rollups flushed once a second as the runtime does.
 * Experiment: `dbThread: 'main'`, PGlite in this thread.
 */
export async function startFullPath(devices: number, options: { dbThread?: 'main' | 'worker'; measureCpu?: boolean } = {}): Promise<FullPath> {
	const dbThread = options.dbThread ?? 'worker';
	const base = await benchDatabase(devices, { thread: dbThread, measureCpu: options.measureCpu });
	try {
		const { ids, secrets } = base;
		const writes = new WriteLog();
		const waterfall = new Waterfall();
		base.db.onTrace?.(waterfall.hear);
		const db = timedDatabase(base.db, writes, waterfall);
		const ingest = new Ingest(db);
		waterfall.attach(ingest.readings);
		ingest.start();
		const label = dbThread === 'main' ? 'DB in main thread' : '';
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
			name: label ? `full path (${label})` : 'full path',
			port: broker.tcpPort,
			pid: process.pid,
			db: base.db,
			ingest,
			broker,
			writes,
			waterfall,
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
			settle: () => ingest.flush(),
			async counts() {
				const [row] = await base.db.query<{ rows: string | number; minute_n: string | number | null; hour_n: string | number | null }>(
					`select (select count(*) from reading) as rows, (select sum(n) from reading_minute) as minute_n, (select sum(n) from reading_hour) as hour_n`
				);
				return { rows: Number(row!.rows), minuteN: Number(row!.minute_n ?? 0), hourN: Number(row!.hour_n ?? 0) };
			},
			async close() {
				await broker.close();
				await ingest.close();
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
