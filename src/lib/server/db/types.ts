import type { RequestTrace, SessionStats } from './worker-protocol';

/** A handle that runs SQL: the whole database, or one transaction of it. */
export interface Sql {
	/** One parameterised statement; returns its rows. */
	query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
	/** Several statements without parameters (migrations, set-up). */
	exec(text: string): Promise<void>;
}

export interface Statement {
	text: string;
	params?: unknown[];
}

/** Runs statements one after the other on a transaction handle: the batch of adapters that have no better way. */
export async function batchIn(tx: Sql, statements: Statement[]): Promise<unknown[][]> {
	const results: unknown[][] = [];
	for (const s of statements) results.push(await tx.query(s.text, s.params ?? []));
	return results;
}

export interface Database extends Sql {
	readonly kind: 'pglite' | 'postgres';
	/** Runs fn in one transaction; rolls back when it throws. */
	transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
	/**
	 * Runs fixed statements in one transaction and returns each one's rows: what
	 * `transaction` does, in one call (one message to a PGlite worker, run there as
	 * one implicit transaction without BEGIN and COMMIT; one pipeline on PostgreSQL).
	 * Not for statements that need a transaction block (LOCK, SET LOCAL).
	 */
	batch(statements: Statement[]): Promise<unknown[][]>;
	/**
	 * A bulk load, all or nothing, in one transaction: `data` (PostgreSQL's binary COPY
	 * format, `encodeCopyBinary`) into `table (columns)`, then the `after` statements,
	 * whose rows it returns. A failure (a key that exists) rolls all of it back and
	 * throws the database's error.
	 * PGlite only: postgres.js never settles a COPY FROM STDIN that the server refuses
	 * and leaks its connection (porsager/postgres#1173), so on PostgreSQL callers use
	 * a statement instead.
	 */
	copyIn?(table: string, columns: readonly string[], data: Uint8Array<ArrayBuffer>, after?: Statement[]): Promise<unknown[][]>;
	/**
	 * The same database, for the realtime path (readings and panics whose PUBACK waits,
	 * the device lookups before them): with PGlite's one session, its requests go before
	 * the waiting administrative ones. Absent where there is no queue to jump (PGlite in
	 * the calling thread); use `realtimeOf(db)`.
	 */
	readonly realtime?: Database;
	/**
	 * What PGlite's session gate measured since the start or the last reset (hold
	 * times per kind, waits per priority, main-thread round trips held across:
	 * `SessionStats`). PGlite in its worker only.
	 */
	sessionStats?(reset?: boolean): Promise<SessionStats>;
	/**
	 * PGlite in its worker only: `onNotify` hears each notification on `channel` (NOTIFY,
	 * `pg_notify`) once its transaction commits, before the call that committed it
	 * returns (whichever handle or path made it: PGlite has one session), and `onLost`
	 * when some may have been missed (a failed `exec`). Resolves once the worker listens;
	 * returns the function that stops hearing. On PostgreSQL an instance listens on a
	 * connection of its own, and hears other instances' commits only after they return
	 * (auth/session-changes.ts).
	 */
	listen?(channel: string, onNotify: (payload: string) => void, onLost?: () => void): Promise<() => void>;
	/**
	 * PGlite in its worker, opened with `measureCpu` (benchmarks): `listener` hears each
	 * request's way through the session gate as its reply arrives, before its caller
	 * does (`RequestTrace`). Returns the function that stops it.
	 */
	onTrace?(listener: (trace: RequestTrace) => void): () => void;
	/** True when the database answers a trivial query. */
	ping(): Promise<boolean>;
	close(): Promise<void>;
}

/** The realtime handle of a database, or the database itself where it has none. */
export const realtimeOf = (db: Database): Database => db.realtime ?? db;
