// The main thread's half of a database that runs in a worker thread (PGlite, or the
// PostgreSQL driver): every call is one message, answered by one reply. The worker
// modules (pglite-worker.ts, postgres-worker.ts) answer the same operations
// (worker-protocol.ts).
//
// Transactions are interactive: `begin` opens a transaction in the worker and keeps
// it open until the main thread sends `end` (commit, or rollback when the callback
// threw); the queries in between carry the transaction's id.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start';
import type { Database, Sql, Statement } from './types';
import type { Notice, Op, Priority, Reply, RequestTrace, SessionStats, WorkerData } from './worker-protocol';
import { series } from './duration-series';

export type { Op } from './worker-protocol';

/** A transaction without a statement for this long is rolled back (see worker-transactions.ts). */
export const IDLE_IN_TRANSACTION_MS = 60_000;

/** How long close() waits for the database to shut down cleanly before stopping the worker. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Starts the worker module at `moduleUrl` (pglite-worker.ts, postgres-worker.ts) in a
 * worker thread, sends it `open` and returns the Database that talks to it.
 */
export async function startDatabaseWorker(options: {
	kind: Database['kind'];
	moduleUrl: string;
	workerData: WorkerData;
	open: Op & { op: 'open' };
	transfer?: ArrayBuffer[];
	/** The worker answers `copy` (Database.copyIn) by running this statement with the data. */
	copyStatement?: (table: string, columns: readonly string[]) => string;
	/** Its V8 young generation and old generation limit (workers/start.ts). */
	youngGenerationMb?: number;
	oldGenerationMb?: number;
}): Promise<Database> {
	const worker: Worker = startWorker(options.moduleUrl, options.workerData, { youngGenerationMb: options.youngGenerationMb, oldGenerationMb: options.oldGenerationMb });
	const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; priority: Priority; op: Op['op']; sentAt: number }>();
	/** Who hears the replies' traces (`onTrace`; the worker sends them with `measureCpu`). */
	const tracers = new Set<(trace: RequestTrace) => void>();
	let next = 1;
	let failed: Error | null = null;
	const notices = noticeListeners();
	// How long replies waited for this thread (sessionStats().replies).
	const newReplies = () => ({ realtime: series(), normal: series() });
	let replies = newReplies();
	const epochNow = () => performance.timeOrigin + performance.now();
	worker.on('message', (reply: Reply | Notice) => {
		if ('notice' in reply) return notices.hear(reply);
		const w = waiting.get(reply.id);
		if (!w) return;
		waiting.delete(reply.id);
		if (reply.sentAt !== undefined) replies[w.priority].add(Math.max(0, epochNow() - reply.sentAt));
		if (reply.trace && tracers.size > 0) {
			const trace: RequestTrace = { ...reply.trace, op: w.op, priority: w.priority, sentAt: w.sentAt, replySentAt: reply.sentAt ?? 0, replyReadAt: epochNow() };
			for (const fn of tracers) fn(trace);
		}
		if (waiting.size === 0) worker.unref();
		if (reply.ok) w.resolve(reply.value);
		else w.reject(Object.assign(new Error(String(reply.error.message)), reply.error));
	});
	const fail = (err: Error) => {
		failed ??= err;
		for (const w of waiting.values()) w.reject(failed);
		waiting.clear();
	};
	worker.on('error', fail);
	worker.on('exit', (code) => fail(new Error(`the database worker exited (${code})`)));
	// An idle database does not keep the process alive (a script that ends, a test that
	// forgets close()); a call waiting for its answer does.
	worker.unref();

	const call = <T>(op: Op, transfer: ArrayBuffer[] = []): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			if (failed) return reject(failed);
			const id = next++;
			if (waiting.size === 0) worker.ref();
			const sentAt = epochNow();
			waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, priority: 'priority' in op && op.priority === 'realtime' ? 'realtime' : 'normal', op: op.op, sentAt });
			try {
				// Stamped with the send time: the worker measures waits from it (session-gate.ts).
				worker.postMessage({ ...op, id, sentAt }, transfer);
			} catch (err) {
				// A parameter that cannot be cloned (a function, a class instance): nothing was sent.
				waiting.delete(id);
				if (waiting.size === 0) worker.unref();
				reject(err instanceof Error ? err : new Error(String(err)));
			}
		});
	const sql = (tx: number | null, priority?: Priority): Sql => ({
		query: <T>(text: string, params: unknown[] = []) => call<T[]>({ op: 'query', tx, text, params, priority }),
		exec: (text: string) => call<void>({ op: 'exec', tx, text, priority })
	});
	/** The calls that take the session, each waiting in `priority`'s queue (session-gate.ts). */
	const calls = (priority: Priority) => ({
		...sql(null, priority),
		async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
			const tx = await call<number>({ op: 'begin', priority });
			let result: T;
			try {
				result = await fn(sql(tx));
			} catch (err) {
				// The caller's error is the one that matters, even if the worker is gone.
				await call({ op: 'end', tx, commit: false }).catch(() => {});
				throw err;
			}
			await call({ op: 'end', tx, commit: true });
			return result;
		},
		batch: (statements: Statement[]) => call<unknown[][]>({ op: 'batch', statements, priority }),
		...(options.copyStatement && {
			copyIn: async (table: string, columns: readonly string[], data: Uint8Array<ArrayBuffer>, after: Statement[] = []) =>
				call<unknown[][]>({ op: 'copy', text: options.copyStatement!(table, columns), data, after, priority })
		})
	});

	try {
		await call(options.open, options.transfer ?? []);
	} catch (err) {
		await worker.terminate();
		throw err;
	}
	const shared = {
		kind: options.kind,
		ping,
		close,
		// PGlite's one session has a gate that measures (session-gate.ts) and hears its own notifications; a pool has neither.
		...(options.kind === 'pglite' && {
			async sessionStats(reset = false): Promise<SessionStats> {
				const stats = await call<SessionStats>({ op: 'stats', reset });
				stats.replies = { realtime: replies.realtime.summary(), normal: replies.normal.summary() };
				if (reset) replies = newReplies();
				return stats;
			},
			listen: (channel: string, onNotify: (payload: string) => void, onLost?: () => void) => notices.listen(channel, onNotify, onLost, () => call({ op: 'listen', channel })),
			onTrace(listener: (trace: RequestTrace) => void) {
				tracers.add(listener);
				return () => void tracers.delete(listener);
			}
		})
	};
	return { ...shared, ...calls('normal'), realtime: { ...shared, ...calls('realtime') } };

	async function ping() {
		try {
			await call({ op: 'query', tx: null, text: 'select 1', params: [] });
			return true;
		} catch {
			return false;
		}
	}
	async function close() {
		// A transaction left open by a caller would hold the close forever: stop waiting after a while.
		if (!failed) {
			let timer: NodeJS.Timeout | undefined;
			const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
			await Promise.race([call({ op: 'close' }).catch(() => {}), gaveUp]);
			clearTimeout(timer);
		}
		await worker.terminate();
	}
}

/**
 * The main thread's side of `Database.listen` (PGlite): who hears each channel, and the
 * worker told once per channel to LISTEN. A notice is handled in the worker's 'message'
 * event, before the reply of the call whose commit sent it.
 */
function noticeListeners() {
	const channels = new Map<string, { listeners: Set<(payload: string) => void>; ready: Promise<unknown> }>();
	const lost = new Set<() => void>();
	const each = (fn: () => void) => {
		try {
			fn();
		} catch (err) {
			console.error('a database notification listener failed', err);
		}
	};
	return {
		hear(notice: Notice) {
			if (notice.channel === null) for (const fn of lost) each(fn);
			else for (const fn of channels.get(notice.channel)?.listeners ?? []) each(() => fn(notice.payload));
		},
		async listen(channel: string, onNotify: (payload: string) => void, onLost: (() => void) | undefined, start: () => Promise<unknown>): Promise<() => void> {
			let entry = channels.get(channel);
			if (!entry) {
				const ready = start();
				channels.set(channel, (entry = { listeners: new Set(), ready }));
				ready.catch(() => channels.delete(channel));
			}
			await entry.ready;
			const listener = (payload: string) => onNotify(payload);
			entry.listeners.add(listener);
			if (onLost) lost.add(onLost);
			return () => {
				entry.listeners.delete(listener);
				if (onLost) lost.delete(onLost);
			};
		}
	};
}
