import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { perDatabase } from '../../src/lib/server/db/per-database';
import { cacheSessions, isKeptSession, readSession, SessionCache } from '../../src/lib/server/auth/sessions';
import { viewCache } from '../../src/lib/server/dues/cache';
import { followDuesVersions, knownVersions } from '../../src/lib/server/dues/versions';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw } from '../factories/tenancy';

/**
 * What this process keeps for each open database (db/per-database.ts): two real
 * databases, as two app instances in one process, each with its own entry, made once;
 * and the three keepers built on it (kept sessions, the dues versions followed, the
 * dues views) keep theirs apart.
 */

let a: Database;
let b: Database;

beforeAll(async () => {
	[a, b] = await Promise.all([freshDatabase({ max: 2 }), freshDatabase({ max: 2 })]);
});
afterAll(async () => {
	await a?.close();
	await b?.close();
});

describe('perDatabase', () => {
	it('keeps what is set for one database only, the last set winning', () => {
		const kept = perDatabase<{ n: number }>();
		expect(kept.get(a)).toBeUndefined();
		const first = { n: 1 };
		expect(kept.set(a, first)).toBe(first);
		expect(kept.get(a)).toBe(first);
		expect(kept.get(b)).toBeUndefined();
		const second = { n: 2 };
		kept.set(a, second);
		expect(kept.get(a)).toBe(second);
	});

	it('makes a value once per database, for that database', () => {
		const madeFor: Database[] = [];
		const kept = perDatabase((db) => {
			madeFor.push(db);
			return { db };
		});
		expect(kept.get(a)).toBeUndefined();
		const ofA = kept.of(a);
		expect(kept.of(a)).toBe(ofA);
		expect(ofA.db).toBe(a);
		const ofB = kept.of(b);
		expect(ofB).not.toBe(ofA);
		expect(ofB.db).toBe(b);
		expect(madeFor).toEqual([a, b]);
		expect(kept.get(b)).toBe(ofB);
	});

	it('keeps a value made as undefined without making it again', () => {
		let made = 0;
		const kept = perDatabase<number | undefined>(() => {
			made++;
			return undefined;
		});
		kept.of(a);
		kept.of(a);
		expect(made).toBe(1);
	});
});

describe('the keepers built on it', () => {
	it('each database has its own dues view cache', () => {
		expect(viewCache(a)).toBe(viewCache(a));
		expect(viewCache(a)).not.toBe(viewCache(b));
		viewCache(a).set('k', 1, 'a view');
		expect(viewCache(a).get('k', 1)).toBe('a view');
		expect(viewCache(b).get('k', 1)).toBeUndefined();
	});

	it('the dues versions are followed only for the database that follows them', async () => {
		expect(knownVersions(a)).toBeUndefined();
		const followed = await followDuesVersions(a);
		// PostgreSQL: no announcements before the committing call returns, nothing followed.
		if (!a.listen) return expect(followed).toBeNull();
		expect(followed).not.toBeNull();
		expect(knownVersions(a)).toBe(followed);
		expect(knownVersions(b)).toBeUndefined();
	});

	it('sessions are kept for the database they were configured on', async () => {
		const cache = new SessionCache(600_000);
		cacheSessions(a, cache);
		const rwA = await makeRw(a, 1, 1);
		const member = await makeMember(a, rwA, 'treasurer');
		const user = await readSession(a, member.token, 30);
		expect(isKeptSession(a, user!)).toBe(true);
		expect(isKeptSession(b, user!)).toBe(false);
		expect(await readSession(a, member.token, 30)).toBe(user);
		// Configured again (the runtime's `cacheSessions` once per start): the new cache serves.
		cacheSessions(a, new SessionCache(0));
		expect(isKeptSession(a, user!)).toBe(false);
	});
});
