import type { Database } from '../db';
import { perDatabase } from '../db/per-database';
import { isRole, type Role } from '$lib/domain/roles';
import { newToken, sha256 } from './tokens';

export const SESSION_COOKIE = 'rukun_session';

/** Where the database announces a user whose sessions changed (migration 20261206120100). */
export const SESSION_CHANNEL = 'rukun_session_user';

/** The signed-in user as the app sees them (locals.user). */
export interface SessionUser {
	id: string;
	sessionId: string;
	name: string;
	phone: string;
	locale: 'id' | 'en';
	rwId: string | null;
	rwCode: string | null;
	rwName: string | null;
	roles: Role[];
	/** RTs the user heads. */
	headOfRtIds: string[];
	/** RT and house the user lives in, when a resident. */
	rtId: string | null;
	houseId: string | null;
	expiresAt: Date;
}

interface SessionRow {
	session_id: string;
	user_id: string;
	name: string;
	phone: string;
	locale: 'id' | 'en';
	rw_id: string | null;
	rw_code: string | null;
	rw_name: string | null;
	expires_at: Date | string;
	memberships: { role: string; rt_id: string | null; house_id: string | null }[] | null;
}

/** Creates a session for the user in one RW; returns the cookie token (stored only hashed). */
export async function createSession(
	db: Database,
	input: { userId: string; rwId: string | null; days: number; userAgent?: string; ip?: string }
): Promise<{ token: string; expiresAt: Date }> {
	const token = newToken();
	const rows = await db.query<{ expires_at: Date | string }>(
		`insert into session (id, user_id, rw_id, expires_at, user_agent, ip)
		 values ($1, $2, $3, now() + make_interval(days => $4), $5, $6) returning expires_at`,
		[sha256(token), input.userId, input.rwId, input.days, (input.userAgent ?? '').slice(0, 300), input.ip ?? '']
	);
	return { token, expiresAt: new Date(rows[0]!.expires_at) };
}

/**
 * Sessions verified in the last few seconds, so a burst of requests (a page and its
 * data, a busy officer) does not read the same session row each time: on the embedded
 * database that read is a third of an empty signed-in page's cost. Logout, password
 * reset and a new membership forget the entries they affect at once in this process;
 * on PostgreSQL other instances hear of it at once too (session-changes.ts).
 */
export class SessionCache {
	readonly #entries = new Map<string, { user: SessionUser; until: number }>();
	/**
	 * Counts invalidations. A read that was in flight while one happened must not
	 * put what it read back: it may be the very session a logout just deleted.
	 */
	#generation = 0;
	constructor(
		readonly ttlMs: number,
		readonly maxEntries = 10_000,
		readonly now: () => number = Date.now
	) {}

	get(id: string): SessionUser | null {
		const entry = this.#entries.get(id);
		if (!entry) return null;
		const now = this.now();
		if (entry.until <= now || entry.user.expiresAt.getTime() <= now) {
			this.#entries.delete(id);
			return null;
		}
		return entry.user;
	}

	get generation(): number {
		return this.#generation;
	}

	/** Keeps `user` unless an invalidation happened since `generation` was read. */
	set(id: string, user: SessionUser, generation = this.#generation): void {
		if (this.ttlMs <= 0 || generation !== this.#generation) return;
		this.#entries.delete(id);
		// A Map iterates in insertion order: the first key is the oldest entry.
		if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
		this.#entries.set(id, { user, until: this.now() + this.ttlMs });
	}

	forget(id: string): void {
		this.#generation++;
		this.#entries.delete(id);
	}

	forgetUser(userId: string): void {
		this.#generation++;
		for (const [id, entry] of this.#entries) if (entry.user.id === userId) this.#entries.delete(id);
	}

	/** Forgets everything (changes may have been missed). */
	clear(): void {
		this.#generation++;
		this.#entries.clear();
	}

	get size(): number {
		return this.#entries.size;
	}
}

/** One cache per open database; none (every request reads the row) until configured. */
const caches = perDatabase<SessionCache>();

/** Keeps verified sessions of `db` for `ttlMs` (0: off). Called once by the runtime. */
export function cacheSessions(db: Database, cache: SessionCache): void {
	caches.set(db, cache);
}

/**
 * PGlite in its worker: the database's announcements of a user whose sessions changed
 * (a logout, a role or house given or taken, an account disabled; triggers of migration
 * 20261206120100, whatever path made the change) forget that user's kept sessions
 * before the call that committed the change returns; if some may have been missed,
 * every kept session is forgotten. On PostgreSQL the instances listen on a connection of
 * their own (session-changes.ts). Returns null where the database cannot tell.
 */
export async function followSessionChanges(db: Database, cache: SessionCache): Promise<(() => void) | null> {
	if (!db.listen || cache.ttlMs <= 0) return null;
	return db.listen(SESSION_CHANNEL, (userId) => cache.forgetUser(userId), () => cache.clear());
}

/**
 * Whether `user` is the very session this process keeps for its id now: read after the
 * last change to the user's sessions, memberships or account that reached this process
 * (a forgotten or replaced entry is not), and not expired. False when sessions are not
 * kept. What it is worth depends on changes reaching the cache at once
 * (`followSessionChanges`, session-changes.ts).
 */
export function isKeptSession(db: Database, user: SessionUser): boolean {
	return caches.get(db)?.get(user.sessionId) === user;
}

/** Drops a user's cached sessions (their roles or password changed). */
export function forgetUserSessions(db: Database, userId: string): void {
	caches.get(db)?.forgetUser(userId);
}

/**
 * Verifies a cookie token against the database (never trusting the cookie's
 * content) and loads the user with their roles in the session's RW, in one query.
 * Sessions slide: past half their life they are extended. With a SessionCache
 * configured, a session verified moments ago is taken from it.
 */
export async function readSession(db: Database, token: string, days: number): Promise<SessionUser | null> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
	const id = sha256(token);
	const cache = caches.get(db);
	const cached = cache?.get(id);
	if (cached) return cached;
	const generation = cache?.generation;
	// The common path is one read; the sliding extension writes only past half-life.
	const rows = await db.query<SessionRow & { stale: boolean }>(
		`select s.id as session_id, u.id as user_id, u.name, u.phone, u.locale, s.rw_id, s.expires_at,
		        s.expires_at - now() < make_interval(days => $2) / 2 as stale,
		        rw.code as rw_code, rw.name as rw_name,
		        (select json_agg(json_build_object('role', m.role, 'rt_id', m.rt_id, 'house_id', m.house_id))
		           from membership m where m.user_id = u.id and m.rw_id = s.rw_id) as memberships
		   from session s join app_user u on u.id = s.user_id and u.disabled_at is null
		   left join rw on rw.id = s.rw_id
		  where s.id = $1 and s.expires_at > now()`,
		[id, days]
	);
	if (rows[0]?.stale) {
		const extended = await db.query<{ expires_at: Date | string }>(
			'update session set expires_at = now() + make_interval(days => $2) where id = $1 returning expires_at',
			[id, days]
		);
		if (extended[0]) rows[0].expires_at = extended[0].expires_at;
	}
	const row = rows[0];
	if (!row) return null;
	const memberships = row.memberships ?? [];
	const roles = [...new Set(memberships.map((m) => m.role).filter(isRole))];
	const home = memberships.find((m) => m.role === 'resident') ?? memberships.find((m) => m.house_id);
	const user: SessionUser = {
		id: row.user_id,
		sessionId: row.session_id,
		name: row.name,
		phone: row.phone,
		locale: row.locale,
		rwId: row.rw_id,
		rwCode: row.rw_code,
		rwName: row.rw_name,
		roles,
		headOfRtIds: memberships.filter((m) => m.role === 'rt_head' && m.rt_id).map((m) => m.rt_id as string),
		rtId: home?.rt_id ?? null,
		houseId: home?.house_id ?? null,
		expiresAt: new Date(row.expires_at)
	};
	// Shared by the requests that find it in the cache: nobody may change it.
	Object.freeze(user.roles);
	Object.freeze(user.headOfRtIds);
	Object.freeze(user);
	cache?.set(id, user, generation);
	return user;
}

export async function deleteSession(db: Database, token: string): Promise<void> {
	const id = sha256(token);
	caches.get(db)?.forget(id);
	await db.query('delete from session where id = $1', [id]);
	// Again after the delete: a read that started before it may have cached the row since.
	caches.get(db)?.forget(id);
}

export async function deleteUserSessions(db: Database, userId: string): Promise<void> {
	forgetUserSessions(db, userId);
	await db.query('delete from session where user_id = $1', [userId]);
	forgetUserSessions(db, userId);
}

export async function pruneExpiredSessions(db: Database): Promise<number> {
	const rows = await db.query<{ n: number }>(
		'with d as (delete from session where expires_at <= now() returning 1) select count(*)::int as n from d'
	);
	return rows[0]?.n ?? 0;
}
