// The messages between the main thread (worker-client.ts) and a database worker
// (pglite-worker.ts, postgres-worker.ts): every call is one message with an id,
// answered by one reply with the same id.
import type { Statement } from './types';

/**
 * Which queue a request that needs the session waits in (session-gate.ts): realtime
 * (the ingest path) goes before normal work that waits. Statements inside an open
 * transaction carry none: the transaction holds the session.
 */
export type Priority = 'realtime' | 'normal';

export type Op =
	| { op: 'open'; [option: string]: unknown }
	| { op: 'query'; tx: number | null; text: string; params: unknown[]; priority?: Priority }
	| { op: 'exec'; tx: number | null; text: string; priority?: Priority }
	| { op: 'begin'; priority?: Priority }
	| { op: 'batch'; statements: Statement[]; priority?: Priority }
	| { op: 'copy'; text: string; data: Uint8Array<ArrayBuffer>; after: Statement[]; priority?: Priority }
	| { op: 'end'; tx: number; commit: boolean }
	| { op: 'stats'; reset: boolean }
	| { op: 'listen'; channel: string }
	| { op: 'close' };

/** Durations of one series, ms: the percentiles are of the most recent samples. */
export interface Summary {
	count: number;
	totalMs: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
}

/**
 * What the session gate measured (session-gate.ts): `holds`, keyed `<priority> <kind>`
 * (`normal transaction`, `realtime batch`, …), how long each kind held the session and
 * through how many main-thread round trips (`turns`: statements and ends of
 * interactive transactions), and with `measureCpu` the worker thread's CPU time during
 * each hold (`cpu`: on a machine shared with other work, wall time counts the time the
 * thread waited for a core, CPU time only the database's own work); `waits`, per priority, how long requests waited for it,
 * how many waited at all, and through how many round trips of the holders before them;
 * `slowest`, the longest holds and what they were.
 */
export interface SessionStats {
	/** `runQueue` (with `measureCpu`): time the worker thread was runnable but waited for a core during each hold. */
	holds: Record<string, Summary & { turns: number; cpu: Summary | null; runQueue: Summary | null }>;
	/**
	 * The summary itself: from when the worker read the request to its grant. `fromSend`:
	 * from when the main thread sent it (what the caller waited for the session);
	 * `unread`: from the send until the worker read it (the worker reads nothing while a
	 * statement runs, so this is the wait behind a hold that the gate does not see).
	 */
	waits: Record<Priority, Summary & { fromSend: Summary; unread: Summary; waited: number; turnsWaited: number; maxTurnsWaited: number }>;
	/** The longest holds, longest first: which `<priority> <kind>`, how long, what (the first statement's text) and across how many round trips. */
	slowest: { hold: string; ms: number; cpuMs: number | null; runQueueMs: number | null; what: string; turns: number }[];
	/**
	 * Holds per `<priority> <kind>` and first statement, by `squaredMs` (the sum of each
	 * hold's wall time squared), largest first: readings arrive all the time, and those
	 * that arrive during a hold of t ms wait t/2 on average, so a kind of hold costs them
	 * in proportion to t² (many short holds cost less than a few long ones).
	 */
	byWhat: { hold: string; what: string; count: number; ms: number; maxMs: number; squaredMs: number; cpuMs: number | null }[];
	/**
	 * The main thread's side (worker-client.ts), per priority of the call: from the
	 * worker's reply to its handling on the main thread (an event-loop turn busy with
	 * other work delays it). Calls without a priority (statements of a transaction) are normal.
	 */
	replies?: Record<Priority, Summary>;
}

/**
 * An operation as it arrives in the worker. `sentAt`: when the main thread posted it,
 * `performance.timeOrigin + performance.now()` there (an epoch time in ms, comparable
 * across threads of one process).
 */
export type Message = Op & { id: number; sentAt?: number };

/** A failure as the caller sees it: PostgreSQL's fields (code: SQLSTATE, constraint, detail, …). */
export type ErrorFields = Record<string, string | number | boolean | bigint | symbol> & { message: string };

/**
 * One request's way through the session gate (with `measureCpu`: benchmarks), epoch ms
 * as `Message.sentAt`: when the worker read it, when the session was granted and
 * released, the worker thread's CPU and run-queue time during the hold, and `during`:
 * what held the session when the request was sent (the first statement of the hold in
 * progress then, with its priority), or null when it was free.
 */
export interface HoldTrace {
	readAt: number;
	grantedAt: number;
	releasedAt: number;
	cpuMs: number;
	runQueueMs: number;
	during: string | null;
}

/**
 * A traced request as the main thread sees it (`Database.onTrace`): which operation, at
 * what priority, when it was sent, and when its reply was posted and read, beside its
 * `HoldTrace`; epoch ms.
 */
export type RequestTrace = HoldTrace & { op: Op['op']; priority: Priority; sentAt: number; replySentAt: number; replyReadAt: number };

/** `sentAt`: when the worker posted it, as `Message.sentAt`. `trace`: with `measureCpu`, the request's way through the gate. */
export type Reply = ({ id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorFields }) & { sentAt?: number; trace?: HoldTrace };

/**
 * A message from the PGlite worker that answers no call (`listen`): a notification on a
 * channel it listens on, posted before the reply of the call whose commit sent it; or
 * `lost` (channel null) when a failed call may have committed a part whose
 * notifications PGlite dropped (see pglite-worker.ts).
 */
export type Notice = { notice: true; channel: string | null; payload: string };

/** What a worker is started with (`workerData`): which worker it is, and its settings. */
export interface WorkerData {
	/** Marks a database worker: its module runs only when loaded with this. */
	rukunDatabaseWorker: 'pglite' | 'postgres';
	/** A transaction without a statement for this long is rolled back (worker-transactions.ts). */
	idleInTransactionMs: number;
	/** PGlite: the session gate also measures the worker thread's CPU time per hold (`SessionStats`; Linux, for benchmarks). */
	measureCpu?: boolean;
}
