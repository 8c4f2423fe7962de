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
	/** True when the database answers a trivial query. */
	ping(): Promise<boolean>;
	close(): Promise<void>;
}
