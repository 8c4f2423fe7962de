import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { claims } from './sql';

/**
 * Computed dues views kept per (RW, month or house) and the RW's dues version
 * (docs/dues.md, "Cached views"). The database bumps `dues_version` in the same
 * transaction as every write that changes what these pages show (migration
 * 20261211130000_dues_version.sql), and every request reads it first, as the user, with
 * its permission: an entry is served only when it was computed at that very version, so
 * a view is never older than the last committed write, whichever instance made it.
 */

/**
 * Who may be given an entry: the RW's treasurer (`manager`: the dashboard), any member
 * (`member`: the report), a resident of the house (`resident`). `app.dues_stamp` answers
 * as the user (RLS on) with the RW's version, or null when the user does not pass.
 */
export type ViewGate = 'manager' | 'member' | 'resident';


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

/** A view's statement: one JSON value (`text`, a SQL expression over `params` as `$1`…), read as the user. */
export interface ViewQuery {
	text: string;
	params: unknown[];
}

const STAMP = 'select app.dues_stamp($1::uuid, $2, $3::uuid) as version';

/**
 * The view `key` of the user's RW: the kept one when it was computed at the RW's current
 * version and the user passes `gate` (one round trip as the user: the stamp), else `view`
 * read and `shape`d, and kept under the version the stamp gave. A user who does not pass
 * the gate always gets what RLS lets them read, never a kept entry.
 *
 * The version is read once, before the view: a view is kept under a version read no later
 * than its data, so its data is at least as new as its version says. A write committed in
 * between makes the entry newer than its version, never older; the next stamp reads the
 * newer version and computes again. (Kept under a version read after its data, a view
 * could carry a write's version without the write.)
 */
export async function throughCache<Raw, T>(db: Database, user: SessionUser, gate: ViewGate, key: string, view: ViewQuery, shape: (raw: Raw) => T | Promise<T>): Promise<T> {
	const read = async () => {
		const [row] = await listAsUser<{ view: Raw }>(db, claims(user), `select (${view.text}) as view`, view.params);
		return shape(row!.view);
	};
	if (!user.rwId) return read();
	const [current] = await listAsUser<{ version: number | null }>(db, claims(user), STAMP, [user.rwId, gate, user.houseId]);
	const version = current?.version ?? null;
	if (version === null) return read();
	const cache = viewCache(db);
	const fullKey = `${gate}:${user.rwId}:${key}`;
	const kept = cache.get(fullKey, version);
	if (kept !== undefined) return kept as T;
	const value = await read();
	cache.set(fullKey, version, value);
	return value;
}
