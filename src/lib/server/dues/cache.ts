import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { claims } from './sql';

/**
 * Computed dues views kept per (RW, month or house) and the RW's dues version
 * (docs/dues.md, "Cached views"). The database bumps `dues_version` in the same
 * transaction as every write that changes what these pages show (migration
 * 20261211130000_dues_version.sql), and every request reads it first, as the user, with
 * its permission: an entry is served only when it was computed at that very version, so
 * a view is never older than the last committed write, whichever instance made it. The
 * statement that computes a view reads the version itself, in the same snapshot as the
 * data it stores under it.
 */

/** The RW's version (`rw` its parameter) as a column of a view's own statement: the same snapshot as its data. */
export const versionOf = (rw: string) => `coalesce((select version from dues_version where rw_id = ${rw}::uuid), 0)::int8`;

/**
 * Who may be given an entry: the RW's treasurer (`manager`: the dashboard), any member
 * (`member`: the report), a resident of the house (`resident`). `app.dues_stamp` answers
 * as the user (RLS on) with the RW's version, or null when the user does not pass.
 */
export type ViewGate = 'manager' | 'member' | 'resident';

const STAMP = 'select app.dues_stamp($1::uuid, $2, $3::uuid) as version';

/** Entries by key, each with the version it was computed at; least recently used out first. */
export class ViewCache {
	readonly #entries = new Map<string, { version: number; value: unknown }>();
	constructor(readonly maxEntries = 1_000) {}

	get(key: string, version: number): unknown {
		const entry = this.#entries.get(key);
		if (!entry || entry.version !== version) return undefined;
		this.#entries.delete(key);
		this.#entries.set(key, entry);
		return entry.value;
	}

	/** Keeps `value` unless a newer version of `key` is already kept. */
	set(key: string, version: number, value: unknown): void {
		const entry = this.#entries.get(key);
		if (entry && entry.version > version) return;
		this.#entries.delete(key);
		if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
		this.#entries.set(key, { version, value });
	}

	get size(): number {
		return this.#entries.size;
	}
}

/** One cache per open database (each app instance has its own). */
const caches = new WeakMap<Database, ViewCache>();

export function viewCache(db: Database): ViewCache {
	let cache = caches.get(db);
	if (!cache) caches.set(db, (cache = new ViewCache()));
	return cache;
}

/**
 * The view `key` of the user's RW: the kept one when it was computed at the RW's current
 * version and the user passes `gate`, else `compute()` (which returns the version it read
 * with its data) and kept when allowed. A user who does not pass the gate always gets
 * `compute()`: what RLS lets them read, never a kept entry.
 */
export async function throughCache<T>(db: Database, user: SessionUser, gate: ViewGate, key: string, compute: () => Promise<{ version: number; value: T }>): Promise<T> {
	if (!user.rwId) return (await compute()).value;
	const [current] = await listAsUser<{ version: number | null }>(db, claims(user), STAMP, [user.rwId, gate, user.houseId]);
	if (current?.version == null) return (await compute()).value;
	const cache = viewCache(db);
	const fullKey = `${gate}:${user.rwId}:${key}`;
	const kept = cache.get(fullKey, current.version);
	if (kept !== undefined) return kept as T;
	const { version, value } = await compute();
	cache.set(fullKey, version, value);
	return value;
}
