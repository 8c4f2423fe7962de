import type { SessionUser } from '../auth/sessions';
import type { Database, Sql } from './types';
import { withUser, type Claims } from './with-user';

/**
 * The database as one verified user sees it: `locals.db` (bound in hooks.server.ts
 * once the session is checked). Routes call services through it instead of passing
 * the runtime's database and `locals.user` by hand; every query still runs as the
 * user under RLS (docs/architecture.md, "Requests").
 */
export interface UserDb {
	readonly user: SessionUser;
	readonly claims: Claims;
	/** `locals.db.run(listHouses, rtId)` is `listHouses(db, user, rtId)`: any service that takes (db, user, …). */
	run<A extends unknown[], R>(service: (db: Database, user: SessionUser, ...args: A) => R, ...args: A): R;
	/** A transaction as the user, with RLS on (`withUser`). */
	transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export function userDb(db: Database, user: SessionUser): UserDb {
	const claims: Claims = { sub: user.id, rw_id: user.rwId };
	return {
		user,
		claims,
		run: (service, ...args) => service(db, user, ...args),
		transaction: (fn) => withUser(db, claims, fn)
	};
}

/**
 * `locals.db` of a request without a session. Using it is a bug (a public page reads
 * with `withAnon`, a member page is behind the role guard), so it says so loudly.
 */
export const NO_USER_DB: UserDb = new Proxy({} as UserDb, {
	get(_target, key) {
		throw new Error(`locals.db.${String(key)} used without a logged-in user: public pages read with withAnon`);
	}
});
