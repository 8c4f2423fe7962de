import type { Database } from './types';

/**
 * Something this process keeps for each open database (docs/dues.md, "Cached views"):
 * a cache, or what it follows of the database's announcements (kept sessions, dues
 * versions, dues views). Each app instance (and
 * each test's database) has its own; the entry goes with its database object, nothing
 * keeps a closed database alive. It lives as long as the database: what it listens to
 * stops with the database's worker, so no caller needs a stop of its own.
 */
export interface PerDatabase<T> {
	/** The value kept for `db`, or undefined where none was set or made. */
	get(db: Database): T | undefined;
	/** Keeps `value` for `db` (in place of any earlier one) and returns it. */
	set(db: Database, value: T): T;
}

/** A `PerDatabase` that makes its value on first use. */
export interface MadePerDatabase<T> extends PerDatabase<T> {
	/** The value kept for `db`, made by `make` once on the first call. */
	of(db: Database): T;
}

export function perDatabase<T>(): PerDatabase<T>;
export function perDatabase<T>(make: (db: Database) => T): MadePerDatabase<T>;
export function perDatabase<T>(make?: (db: Database) => T): PerDatabase<T> | MadePerDatabase<T> {
	const kept = new WeakMap<Database, T>();
	const get = (db: Database) => kept.get(db);
	const set = (db: Database, value: T) => {
		kept.set(db, value);
		return value;
	};
	if (!make) return { get, set };
	return {
		get,
		set,
		of: (db) => (kept.has(db) ? (kept.get(db) as T) : set(db, make(db)))
	};
}
