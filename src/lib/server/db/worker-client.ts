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
	| { op: 'copy'; text: string; data: Uint8Array<ArrayBuffer>; after: Statement[] }
	| { op: 'end'; tx: number; commit: boolean }
	| { op: 'close' };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** A transaction without a statement for this long is rolled back (see WORKER_COMMON_SOURCE). */
export const IDLE_IN_TRANSACTION_MS = 60_000;

/** How long close() waits for the database to shut down cleanly before stopping the worker. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * What both worker sources share, as text (they run with `eval: true`; `parentPort`
 * and `workerData` must be in scope): the reply, the error as the caller sees it
 * (PostgreSQL's fields, code: SQLSTATE, constraint, detail, … copied onto an Error),
 * and interactive transactions. `beginTransaction(m, run)` opens one with `run`, the
 * driver's transaction function, and keeps it open until `endTransaction(m)`.
 * `txOf(id)` is an open transaction's driver handle, and `within(id, fn)` runs one of
 * its statements with its idle clock stopped (`workerData.idleInTransactionMs`).
 */
export const WORKER_COMMON_SOURCE = `const send = (id, ok, value) => parentPort.postMessage(ok ? { id, ok, value } : { id, ok, error: value });
const errorOf = (err) => {
  const out = { message: err && err.message ? err.message : String(err) };
  if (err && typeof err === 'object') {
    for (const [key, value] of Object.entries(err)) {
      // Not the statement's text or values (PGlite attaches them): errors are logged.
      if (['name', 'stack', 'message', 'query', 'params', 'parameters'].includes(key)) continue;
      // Nor PostgreSQL's context lines of an error inside app.read_as_user: they quote its values.
      if (['where', 'internal_query', 'internal_position'].includes(key) && /rukun_read_/.test(String(err.where) + String(err.internal_query))) continue;
      if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') out[key] = value;
    }
  }
  return out;
};
const open = new Map(); // transaction id -> { tx, settle, outcome, begun, busy, timer }
// Like PostgreSQL's idle_in_transaction_session_timeout, for both databases: a
// transaction whose caller sends nothing for this long (a bug, a request stuck on
// something else) is rolled back, so it cannot hold its locks, or on PGlite the one
// session and with it the whole app, forever. A statement that itself runs long is
// not idling: the clock stops while one runs.
const IDLE_MS = workerData.idleInTransactionMs;
const expired = new Set(); // ids rolled back for idling, until their caller ends them
const idleError = () =>
  Object.assign(new Error('the transaction was rolled back after ' + IDLE_MS / 1000 + ' s without a statement'), { code: '25P03' });
const arm = (id, entry) => {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    if (open.get(id) !== entry || entry.busy > 0) return;
    open.delete(id);
    expired.add(id);
    entry.settle.reject(idleError());
  }, IDLE_MS);
};
const txOf = (id) => {
  if (expired.has(id)) throw idleError();
  const entry = open.get(id);
  if (!entry) throw new Error('transaction ' + id + ' is not open');
  return entry.tx;
};
const within = async (id, fn) => {
  const entry = open.get(id);
  if (!entry) return fn();
  entry.busy++;
  clearTimeout(entry.timer);
  try {
    return await fn();
  } finally {
    entry.busy--;
    if (entry.busy === 0 && open.get(id) === entry) arm(id, entry);
  }
};
const beginTransaction = (m, run) => {
  let settle;
  const finished = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  const entry = { tx: null, settle, outcome: null, begun: false, busy: 0, timer: null };
  entry.outcome = run(async (tx) => {
    entry.tx = tx;
    entry.begun = true;
    open.set(m.id, entry);
    arm(m.id, entry);
    send(m.id, true, m.id);
    await finished;
  });
  entry.outcome.catch((err) => { if (!entry.begun) send(m.id, false, errorOf(err)); });
};
const endTransaction = async (m) => {
  if (expired.delete(m.tx)) return m.commit ? send(m.id, false, errorOf(idleError())) : send(m.id, true, null);
  const entry = open.get(m.tx);
  if (!entry) throw new Error('transaction ' + m.tx + ' is not open');
  open.delete(m.tx);
  clearTimeout(entry.timer);
  if (m.commit) entry.settle.resolve();
  else entry.settle.reject(new Error('rolled back'));
  try {
    await entry.outcome;
  } catch (err) {
    if (m.commit) return send(m.id, false, errorOf(err));
  }
  return send(m.id, true, null);
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
	/** The worker answers `copy` (Database.copyIn) by running this statement with the data. */
	copyStatement?: (table: string, columns: readonly string[]) => string;
}): Promise<Database> {
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
		...(options.copyStatement && {
			copyIn: async (table: string, columns: readonly string[], data: Uint8Array<ArrayBuffer>, after: Statement[] = []) =>
				call<unknown[][]>({ op: 'copy', text: options.copyStatement!(table, columns), data, after })
		}),
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
