/** A handle that runs SQL: the whole database, or one transaction of it. */
export interface Sql {
	/** One parameterised statement; returns its rows. */
	query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
	/** Several statements without parameters (migrations, set-up). */
	exec(text: string): Promise<void>;
}

export interface Database extends Sql {
	readonly kind: 'pglite' | 'postgres';
	/** Runs fn in one transaction; rolls back when it throws. */
	transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
	/** True when the database answers a trivial query. */
	ping(): Promise<boolean>;
	close(): Promise<void>;
}
