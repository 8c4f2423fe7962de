import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAnon, withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import { listMembers, listRtSummaries } from '../../src/lib/server/tenancy/rw';
import { listHouses } from '../../src/lib/server/registry/houses';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

let db: Database;
let rwA: TestRw;
let rwB: TestRw;

beforeAll(async () => {
	db = await freshDatabase();
	rwA = await makeRw(db, 2, 3);
	rwB = await makeRw(db, 2, 4);
});
afterAll(async () => db?.close());

const claims = (u: { id: string; rwId: string | null }) => ({ sub: u.id, rw_id: u.rwId });

describe('Row Level Security across RWs', () => {
	it('shows an RW admin nothing of another RW even when the query forgets rw_id', async () => {
		const adminA = await makeMember(db, rwA, 'rw_admin');
		await makeMember(db, rwB, 'rw_admin');
		const houses = await withUser(db, claims(adminA), (tx) => tx.query<{ rw_id: string }>('select rw_id from house'));
		expect(houses).toHaveLength(6);
		expect(new Set(houses.map((h) => h.rw_id))).toEqual(new Set([rwA.id]));
		const members = await withUser(db, claims(adminA), (tx) => tx.query<{ rw_id: string }>('select rw_id from membership'));
		expect(members.length).toBeGreaterThan(0);
		expect(members.every((m) => m.rw_id === rwA.id)).toBe(true);
		const users = await withUser(db, claims(adminA), (tx) => tx.query<{ id: string }>('select id from app_user'));
		const rwBUsers = await db.query<{ user_id: string }>('select user_id from membership where rw_id = $1', [rwB.id]);
		expect(users.some((u) => rwBUsers.some((b) => b.user_id === u.id))).toBe(false);
	});

	it('refuses writes into another RW', async () => {
		const adminA = await makeMember(db, rwA, 'rw_admin');
		await expect(
			withUser(db, claims(adminA), (tx) =>
				tx.query(`insert into house (rw_id, rt_id, block, number) values ($1, $2, 'Z', '99')`, [rwB.id, rwB.rts[0]!.id])
			)
		).rejects.toThrow(/row-level security/);
		const updated = await withUser(db, claims(adminA), (tx) =>
			tx.query(`update house set category = 'shop' where rw_id = $1 returning id`, [rwB.id])
		);
		expect(updated).toHaveLength(0);
		const [{ shops }] = (await db.query<{ shops: number }>(
			`select count(*)::int as shops from house where rw_id = $1 and category = 'shop'`,
			[rwB.id]
		)) as [{ shops: number }];
		expect(shops).toBe(0);
	});

	it('keeps an RT head to their own RT', async () => {
		const head = await makeMember(db, rwA, 'rt_head', { rtIndex: 0 });
		const houses = await listHouses(db, head);
		expect(houses).toHaveLength(3);
		expect(houses.every((h) => h.rt_number === 1)).toBe(true);
		const other = await withUser(db, claims(head), (tx) =>
			tx.query(`update house set category = 'shop' where rt_id = $1 returning id`, [rwA.rts[1]!.id])
		);
		expect(other).toHaveLength(0);
	});

	it('shows a resident only their own house and membership', async () => {
		const resident = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[1]!.id });
		const houses = await withUser(db, claims(resident), (tx) => tx.query<{ id: string }>('select id from house'));
		expect(houses.map((h) => h.id)).toEqual([rwA.houses[1]!.id]);
		const memberships = await withUser(db, claims(resident), (tx) => tx.query('select * from membership'));
		expect(memberships).toHaveLength(1);
		expect(await listMembers(db, resident)).toHaveLength(1);
	});

	it('lets a resident not escalate their own role', async () => {
		const resident = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[2]!.id });
		await expect(
			withUser(db, claims(resident), (tx) =>
				tx.query(`insert into membership (user_id, rw_id, role) values ($1, $2, 'rw_admin')`, [resident.id, rwA.id])
			)
		).rejects.toThrow(/row-level security/);
		const changed = await withUser(db, claims(resident), (tx) =>
			tx.query(`update membership set role = 'rw_admin' where user_id = $1 returning id`, [resident.id])
		);
		expect(changed).toHaveLength(0);
	});

	it('gives visitors the public RW identity and nothing else', async () => {
		const rws = await withAnon(db, (tx) => tx.query('select code from rw'));
		expect(rws.length).toBeGreaterThanOrEqual(2);
		await expect(withAnon(db, (tx) => tx.query('select * from house'))).rejects.toThrow(/permission denied/);
		await expect(withAnon(db, (tx) => tx.query('select * from app_user'))).rejects.toThrow(/permission denied/);
	});

	it('never lets a request role read sessions or rate limits', async () => {
		const adminA = await makeMember(db, rwA, 'rw_admin');
		await expect(withUser(db, claims(adminA), (tx) => tx.query('select * from session'))).rejects.toThrow(
			/permission denied/
		);
		await expect(withUser(db, claims(adminA), (tx) => tx.query('select * from rate_limit'))).rejects.toThrow(
			/permission denied/
		);
	});

	it('counts per RT only what the user may see', async () => {
		const head = await makeMember(db, rwB, 'rt_head', { rtIndex: 1 });
		const rts = await listRtSummaries(db, head);
		expect(rts.map((r) => [r.number, r.houses])).toEqual([
			[1, 0],
			[2, 4]
		]);
	});

	it('has RLS enabled on every table in public', async () => {
		const tables = await db.query<{ relname: string; relrowsecurity: boolean }>(
			`select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
			  where n.nspname = 'public' and c.relkind = 'r'`
		);
		expect(tables.length).toBeGreaterThanOrEqual(10);
		expect(tables.filter((t) => !t.relrowsecurity).map((t) => t.relname)).toEqual([]);
	});
});

describe('a session from another RW', () => {
	it('sees only its own RW through every tenancy service', async () => {
		const { rwOverview } = await import('../../src/lib/server/tenancy/rw');
		const adminB = await makeMember(db, rwB, 'rw_admin');
		const overview = await rwOverview(db, adminB);
		expect(overview).toMatchObject({ rts: 2, houses: 8 });
		const members = await listMembers(db, adminB);
		const rwAUsers = await db.query<{ user_id: string }>('select user_id from membership where rw_id = $1', [rwA.id]);
		expect(members.some((m) => rwAUsers.some((a) => a.user_id === m.user_id))).toBe(false);
		// Asking for RW A's id explicitly does not help either.
		const forged = { ...adminB, rwId: rwA.id };
		expect(await rwOverview(db, forged)).toMatchObject({ rts: 2, houses: 0, members: 0 });
		expect(await listHouses(db, forged)).toEqual([]);
	});
});
