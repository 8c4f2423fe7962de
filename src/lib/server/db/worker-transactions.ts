// The worker side that both database workers share (pglite-worker.ts,
// postgres-worker.ts): the reply, the error as the caller sees it, and interactive
// transactions. Runs in the worker thread only.
import type { MessagePort } from 'node:worker_threads';
import type { ErrorFields, HoldTrace, Message, Reply } from './worker-protocol';

type Settle = { resolve: () => void; reject: (err: Error) => void };

interface OpenTransaction<Tx> {
	tx: Tx | null;
	settle: Settle;
	outcome: Promise<unknown>;
	begun: boolean;
	/** Statements running now: the idle clock is stopped while one runs. */
	busy: number;
	timer: NodeJS.Timeout | undefined;
}

/** Statement text and values that PGlite and postgres.js attach to their errors: errors are logged, these stay out. */
const HIDDEN_FIELDS = new Set(['name', 'stack', 'message', 'query', 'params', 'parameters']);
/** PostgreSQL's context lines of an error inside app.read_as_user quote its values. */
const CONTEXT_FIELDS = new Set(['where', 'internal_query', 'internal_position']);

/** The error as the caller sees it: the message and PostgreSQL's scalar fields, copied onto a plain object. */
export function errorOf(err: unknown): ErrorFields {
	const message = err && typeof err === 'object' && 'message' in err && err.message ? String(err.message) : String(err);
	const out: ErrorFields = { message };
	if (err && typeof err === 'object') {
		const fields = err as Record<string, unknown>;
		const readAsUser = /rukun_read_/.test(String(fields.where) + String(fields.internal_query));
		for (const [key, value] of Object.entries(fields)) {
			if (HIDDEN_FIELDS.has(key)) continue;
			if (CONTEXT_FIELDS.has(key) && readAsUser) continue;
			if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') out[key] = value as string | number | boolean;
		}
	}
	return out;
}

/**
 * Replies and interactive transactions for one worker. `begin(m, run)` opens a
 * transaction with `run`, the driver's transaction function, and keeps it open until
 * `end(m)`. `txOf(id)` is an open transaction's driver handle, and `within(id, fn)`
 * runs one of its statements with its idle clock stopped.
 *
 * Like PostgreSQL's idle_in_transaction_session_timeout, for both databases: a
 * transaction whose caller sends nothing for `idleMs` (a bug, a request stuck on
 * something else) is rolled back, so it cannot hold its locks, or on PGlite the one
 * session and with it the whole app, forever. A statement that itself runs long is
 * not idling: the clock stops while one runs.
 */
export function workerSession<Tx>(port: MessagePort, idleMs: number) {
	// Stamped with the send time: the main thread measures how long the reply waited for it.
	// `trace` (benchmarks): the request's way through the session gate.
	const send = (id: number, ok: boolean, value: unknown, trace?: HoldTrace): void =>
		port.postMessage({ ...(ok ? { id, ok, value } : { id, ok, error: value }), sentAt: performance.timeOrigin + performance.now(), ...(trace && { trace }) } as Reply);
	const open = new Map<number, OpenTransaction<Tx>>();
	const expired = new Set<number>(); // ids rolled back for idling, until their caller ends them
	const idleError = () => Object.assign(new Error(`the transaction was rolled back after ${idleMs / 1000} s without a statement`), { code: '25P03' });
	const arm = (id: number, entry: OpenTransaction<Tx>) => {
		clearTimeout(entry.timer);
		entry.timer = setTimeout(() => {
			if (open.get(id) !== entry || entry.busy > 0) return;
			open.delete(id);
			expired.add(id);
			entry.settle.reject(idleError());
		}, idleMs);
	};
	return {
		send,
		fail: (id: number, err: unknown) => send(id, false, errorOf(err)),
		txOf(id: number): Tx {
			if (expired.has(id)) throw idleError();
			const entry = open.get(id);
			if (!entry?.tx) throw new Error(`transaction ${id} is not open`);
			return entry.tx;
		},
		async within<T>(id: number | null, fn: () => Promise<T>): Promise<T> {
			const entry = id === null ? undefined : open.get(id);
			if (id === null || !entry) return fn();
			entry.busy++;
			clearTimeout(entry.timer);
			try {
				return await fn();
			} finally {
				entry.busy--;
				if (entry.busy === 0 && open.get(id) === entry) arm(id, entry);
			}
		},
		begin(m: Message, run: (fn: (tx: Tx) => Promise<void>) => Promise<unknown>): void {
			let settle!: Settle;
			const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
			const entry: OpenTransaction<Tx> = { tx: null, settle, outcome: Promise.resolve(), begun: false, busy: 0, timer: undefined };
			entry.outcome = run(async (tx) => {
				entry.tx = tx;
				entry.begun = true;
				open.set(m.id, entry);
				arm(m.id, entry);
				send(m.id, true, m.id);
				await finished;
			});
			entry.outcome.catch((err: unknown) => {
				if (!entry.begun) send(m.id, false, errorOf(err));
			});
		},
		async end(m: Message & { op: 'end' }): Promise<void> {
			if (expired.delete(m.tx)) return m.commit ? send(m.id, false, errorOf(idleError())) : send(m.id, true, null);
			const entry = open.get(m.tx);
			if (!entry) throw new Error(`transaction ${m.tx} is not open`);
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
		}
	};
}
