// The main thread's half of a database that runs in a worker thread (PGlite, or the
// PostgreSQL driver): every call is one message, answered by one reply. The worker
// sources (pglite-thread.ts, postgres-thread.ts) answer the same operations.
//
// Transactions are interactive: `begin` opens a transaction in the worker and keeps
// it open until the main thread sends `end` (commit, or rollback when the callback
// threw); the queries in between carry the transaction's id.
import { Worker } from 'node:worker_threads';
import type { Database, Sql, Statement } from './types';

export type Op =
	| { op: 'open'; [option: string]: unknown }
	| { op: 'query'; tx: number | null; text: string; params: unknown[] }
	| { op: 'exec'; tx: number | null; text: string }
	| { op: 'begin' }
	| { op: 'batch'; statements: Statement[] }
	/** Statements as one text for the simple protocol (PostgreSQL's worker only): each one's rows. */
	| { op: 'script'; text: string; count: number }
	| { op: 'end'; tx: number; commit: boolean }
	| { op: 'close' };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** How long close() waits for the database to shut down cleanly before stopping the worker. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The worker's error as the caller sees it: PostgreSQL's fields (code: SQLSTATE,
 * constraint, detail, …) copied onto an Error. Worker source: `errorOf` below, as text.
 */
export const ERROR_OF_SOURCE = `const errorOf = (err) => {
  const out = { message: err && err.message ? err.message : String(err) };
  if (err && typeof err === 'object') {
    for (const [key, value] of Object.entries(err)) {
      if (key === 'name' || key === 'stack' || key === 'message') continue;
      if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') out[key] = value;
    }
  }
  return out;
};`;

/**
 * Starts `source` (plain JavaScript, run with `eval: true`) in a worker thread, sends it
 * `open` and returns the Database that talks to it.
 */
export async function startDatabaseWorker(options: {
	kind: Database['kind'];
	source: string;
	workerData: unknown;
	open: Op & { op: 'open' };
	transfer?: ArrayBuffer[];
}): Promise<Database & { call<T>(op: Op): Promise<T> }> {
	const worker = new Worker(options.source, { eval: true, workerData: options.workerData });
	const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
	let next = 1;
	let failed: Error | null = null;
	worker.on('message', (reply: Reply) => {
		const w = waiting.get(reply.id);
		if (!w) return;
		waiting.delete(reply.id);
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
			waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
			try {
				worker.postMessage({ ...op, id }, transfer);
			} catch (err) {
				// A parameter that cannot be cloned (a function, a class instance): nothing was sent.
				waiting.delete(id);
				if (waiting.size === 0) worker.unref();
				reject(err instanceof Error ? err : new Error(String(err)));
			}
		});
	const sql = (tx: number | null): Sql => ({
		query: <T>(text: string, params: unknown[] = []) => call<T[]>({ op: 'query', tx, text, params }),
		exec: (text: string) => call<void>({ op: 'exec', tx, text })
	});

	try {
		await call(options.open, options.transfer ?? []);
	} catch (err) {
		await worker.terminate();
		throw err;
	}
	return {
		kind: options.kind,
		call,
		...sql(null),
		async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
			const tx = await call<number>({ op: 'begin' });
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
		batch: (statements) => call<unknown[][]>({ op: 'batch', statements }),
		async ping() {
			try {
				await call({ op: 'query', tx: null, text: 'select 1', params: [] });
				return true;
			} catch {
				return false;
			}
		},
		async close() {
			// A transaction left open by a caller would hold the close forever: stop waiting after a while.
			if (!failed) {
				let timer: NodeJS.Timeout | undefined;
				const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
				await Promise.race([call({ op: 'close' }).catch(() => {}), gaveUp]);
				clearTimeout(timer);
			}
			await worker.terminate();
		}
	};
}
