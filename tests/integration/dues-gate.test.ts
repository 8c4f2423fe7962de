import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { listAsUser } from '../../src/lib/server/db/with-user';
import { createSession, readSession, type SessionUser } from '../../src/lib/server/auth/sessions';
import { passes, type ViewGate } from '../../src/lib/server/dues/cache';
import { claims } from '../../src/lib/server/dues/sql';
import type { Role } from '../../src/lib/domain/roles';
import { freshDatabase } from '../factories/db';
import { makeRw, uniquePhone, type TestRw } from '../factories/tenancy';

/**
 * The dues views' gate decided in this process (`passes`, dues/cache.ts) against the
 * database's (`app.dues_stamp`, migration 20261211130000, as the user under RLS): for
 * every shape of roles and memberships a session can have, both give the same answer
 * for each gate (docs/dues.md, "Cached views"). The session is read from the database
 * as a request reads it (`readSession`, no session cache), after the change that makes
 * its shape.
 */

const GATES: ViewGate[] = ['manager', 'member', 'resident'];

let db: Database;
let a: TestRw;
let b: TestRw;

beforeAll(async () => {
	db = await freshDatabase();
	a = await makeRw(db, 2, 2);
	b = await makeRw(db, 1, 1);
	// An RW's version row comes with its first dues write (or an RT's update): without it the stamp answers null to all.
	await db.query('update rt set name = name where rw_id = any($1::uuid[])', [[a.id, b.id]]);
});
afterAll(async () => {
	await db?.close();
});

interface Held {
	role: Role;
	rw?: TestRw;
	rt?: number;
	house?: number;
}

/** A user holding `held` (in RW a unless named), signed in to `sessionRw`; `then` changes their memberships by SQL. */
async function sessionOf(held: Held[], sessionRw: TestRw, then?: (userId: string) => Promise<unknown>): Promise<SessionUser> {
	const [user] = await db.query<{ id: string }>("insert into app_user (phone, name, password_hash) values ($1, 'Warga', 'x') returning id", [uniquePhone()]);
	for (const m of held) {
		const rw = m.rw ?? a;
		const house = m.house === undefined ? undefined : rw.houses[m.house]!;
		const rtId = house?.rtId ?? (m.rt === undefined ? null : rw.rts[m.rt]!.id);
		await db.query('insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, $3, $4, $5)', [user!.id, rw.id, m.role, rtId, house?.id ?? null]);
	}
	await then?.(user!.id);
	const { token } = await createSession(db, { userId: user!.id, rwId: sessionRw.id, days: 30 });
	const session = await readSession(db, token, 30);
	if (!session) throw new Error('session not readable');
	return session;
}

/** What `app.dues_stamp` answers as the user: whether they pass `gate` in their session's RW. */
async function stampPasses(user: SessionUser, gate: ViewGate): Promise<boolean> {
	const [row] = await listAsUser<{ version: number | null }>(db, claims(user), 'select app.dues_stamp($1::uuid, $2, $3::uuid) as version', [user.rwId, gate, user.houseId]);
	return row?.version != null;
}

/** Each shape with what both must answer for manager, member, resident. */
const SHAPES: { name: string; make: () => Promise<SessionUser>; expected: [boolean, boolean, boolean] }[] = [
	{ name: 'treasurer', make: () => sessionOf([{ role: 'treasurer' }], a), expected: [true, true, false] },
	{ name: 'RW admin', make: () => sessionOf([{ role: 'rw_admin' }], a), expected: [false, true, false] },
	{ name: 'RT head', make: () => sessionOf([{ role: 'rt_head', rt: 0 }], a), expected: [false, true, false] },
	{ name: 'security officer', make: () => sessionOf([{ role: 'security_officer' }], a), expected: [false, true, false] },
	{ name: 'resident of a house', make: () => sessionOf([{ role: 'resident', house: 0 }], a), expected: [false, true, true] },
	{ name: 'resident bound to an RT, no house', make: () => sessionOf([{ role: 'resident', rt: 1 }], a), expected: [false, true, false] },
	{ name: 'treasurer living in a house', make: () => sessionOf([{ role: 'treasurer' }, { role: 'resident', house: 1 }], a), expected: [true, true, true] },
	{ name: 'RT head bound to a house (no resident role)', make: () => sessionOf([{ role: 'rt_head', house: 2 }], a), expected: [false, true, true] },
	{
		name: 'resident moved out (house taken away)',
		make: () => sessionOf([{ role: 'resident', house: 0 }], a, (id) => db.query('update membership set house_id = null where user_id = $1', [id])),
		expected: [false, true, false]
	},
	{
		name: 'resident moved to another house',
		make: () =>
			sessionOf([{ role: 'resident', house: 0 }], a, (id) =>
				db.query('update membership set house_id = $2, rt_id = $3 where user_id = $1', [id, a.houses[3]!.id, a.houses[3]!.rtId])
			),
		expected: [false, true, true]
	},
	{
		name: 'treasurer whose role was revoked',
		make: () => sessionOf([{ role: 'treasurer' }], a, (id) => db.query('delete from membership where user_id = $1', [id])),
		expected: [false, false, false]
	},
	{
		name: 'resident whose membership was revoked',
		make: () => sessionOf([{ role: 'resident', house: 1 }], a, (id) => db.query('delete from membership where user_id = $1', [id])),
		expected: [false, false, false]
	},
	{
		name: 'treasurer but not of this RW, still resident here',
		make: () => sessionOf([{ role: 'resident', house: 0 }, { role: 'treasurer', rw: b }], a),
		expected: [false, true, true]
	},
	{
		name: 'session in an RW where the user is no member (treasurer and resident elsewhere)',
		make: () => sessionOf([{ role: 'treasurer', rw: b }, { role: 'resident', rw: b, house: 0 }], a),
		expected: [false, false, false]
	},
	{ name: 'no membership at all', make: () => sessionOf([], a), expected: [false, false, false] }
];

describe('the dues gate in this process and in the database', () => {
	it.each(SHAPES)('$name: passes() answers as app.dues_stamp', async ({ make, expected }) => {
		const user = await make();
		const inProcess: boolean[] = [];
		const inDatabase: boolean[] = [];
		for (const gate of GATES) {
			inProcess.push(passes(user, gate));
			inDatabase.push(await stampPasses(user, gate));
		}
		expect(inProcess, 'passes() against app.dues_stamp').toEqual(inDatabase);
		expect(inDatabase, 'app.dues_stamp against the expected table').toEqual(expected);
	});
});
