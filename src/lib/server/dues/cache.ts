import { may } from '$lib/domain/permissions';
import { listAsUser, type Database } from '../db';
import { perDatabase } from '../db/per-database';
import { isKeptSession, type SessionUser } from '../auth/sessions';
import { claims } from './sql';
import { knownVersions } from './versions';

/**
 * Computed dues views kept per (RW, month or house) and the RW's dues version
 * (docs/dues.md, "Cached views"). The database bumps `dues_version` in the same
 * transaction as every write that changes what these pages show (migration
 * 20261211130000_dues_version.sql), and every request takes it first: an entry is
 * served only when it was computed at that very version, so a view is never older than
 * the last committed write, whichever instance made it.
 */

/**
 * Who may be given an entry: the RW's treasurer (`manager`: the dashboard), any member
 * (`member`: the report), a resident of the house (`resident`). `app.dues_stamp` answers
 * as the user (RLS on) with the RW's version, or null when the user does not pass; on
 * PGlite the session's roles and house answer in this process (`throughCache`).
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

/** One cache per open database (each app instance has its own), made on first use. */
export const viewCache = perDatabase(() => new ViewCache()).of;

/** A view's statement: one JSON value (`text`, a SQL expression over `params` as `$1`…), read as the user. */
export interface ViewQuery {
	text: string;
	params: unknown[];
}

const STAMP = 'select app.dues_stamp($1::uuid, $2, $3::uuid) as version';

/**
 * Whether the user passes `gate` by their session's roles and house, as `app.dues_stamp`
 * would by their memberships: `may()` mirrors the database's permission table
 * (tests/integration/permissions.test.ts), and a session's roles and house are its
 * memberships in its RW. Each role and membership shape is compared with the stamp's
 * answer as that user in tests/integration/dues-gate.test.ts.
 */
export function passes(user: SessionUser, gate: ViewGate): boolean {
	if (gate === 'manager') return may(user, 'dues.manage');
	if (gate === 'member') return user.roles.length > 0;
	return user.houseId !== null;
}

/**
 * The view `key` of the user's RW: the kept one when it was computed at the RW's current
 * version and the user passes `gate`, else `view` read and `shape`d, and kept under that
 * version. A user who does not pass the gate always gets what RLS lets them read, never
 * a kept entry.
 *
 * Where the version and the gate come from (docs/dues.md, "Cached views"):
 * - on PGlite, in this process, without a round trip, when the RW's version is known
 *   here (`knownVersions`: every change is announced to this process before the call
 *   that committed it returns) and the user is the session this process keeps (so their
 *   roles and house are those of their memberships now: every change to them is
 *   announced too) and passes the gate by it;
 * - else (PostgreSQL, an RW not heard of yet, a session not kept) one round trip as the
 *   user, `app.dues_stamp`: the version when the user passes the gate under RLS, else
 *   null. On PGlite the version it gives is then known here.
 *
 * The version is taken once, before the view is read: a view is kept under a version
 * taken no later than its data, so its data is at least as new as its version says. A
 * write committed in between makes the entry newer than its version, never older; the
 * next request finds a newer version and computes again. (Kept under a version taken
 * after its data, a view could carry a write's version without the write.)
 */
export async function throughCache<Raw, T>(db: Database, user: SessionUser, gate: ViewGate, key: string, view: ViewQuery, shape: (raw: Raw) => T | Promise<T>): Promise<T> {
	const read = async () => {
		const [row] = await listAsUser<{ view: Raw }>(db, claims(user), `select (${view.text}) as view`, view.params);
		return shape(row!.view);
	};
	if (!user.rwId) return read();
	const versions = knownVersions(db);
	let version = versions && passes(user, gate) && isKeptSession(db, user) ? versions.get(user.rwId) : undefined;
	if (version === undefined) {
		const epoch = versions?.epoch;
		const [current] = await listAsUser<{ version: number | null }>(db, claims(user), STAMP, [user.rwId, gate, user.houseId]);
		if (current?.version == null) return read();
		version = current.version;
		versions?.note(user.rwId, version, epoch);
	}
	const cache = viewCache(db);
	const fullKey = `${gate}:${user.rwId}:${key}`;
	const kept = cache.get(fullKey, version);
	if (kept !== undefined) return kept as T;
	const value = await read();
	cache.set(fullKey, version, value);
	return value;
}
