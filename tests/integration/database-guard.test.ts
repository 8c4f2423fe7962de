import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { makeHousehold, seedCatalogue, testPii } from '../factories/letters';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * The database as the last guard: plain SQL as each role, under Row Level Security,
 * as the Supabase API would run it (role `authenticated`, the member's own claims).
 * What the app's forms refuse, SQL refuses too.
 */

type Member = Awaited<ReturnType<typeof makeMember>>;
const pii = testPii();
let db: Database;
let rw: TestRw;
let otherRw: TestRw;
let admin: Member;
let head: Member;
let resident: Member;
let neighbour: Member;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 3);
	otherRw = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
	resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
	neighbour = await makeMember(db, rw, 'resident', { houseId: rw.houses[1]!.id });
	await seedCatalogue(db, rw);
});
afterAll(async () => db?.close());

/** Runs one statement as the member, as the API would. */
const as = <T = Record<string, unknown>>(user: Member, sql: string, params: unknown[] = []) =>
	withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) => tx.query<T>(sql, params));

const one = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params))[0]!;

/** A household in a house of `rw` (as the system): a head born in 1985 and a child. */
const family = (houseIndex: number, onRw = rw) =>
	makeHousehold(db, pii, onRw, onRw.houses[houseIndex]!.id, [{ name: `Kepala ${houseIndex}` }, { name: `Anak ${houseIndex}`, birth_date: '2010-03-04' }]);

describe('resident columns the API may not write', () => {
	it('refuses an RT head linking an account, or changing status or household, by a direct update', async () => {
		const { residentIds } = await family(2);
		const other = await family(1);
		const id = residentIds[0]!;
		await expect(as(head, 'update resident set user_id = $2 where id = $1', [id, head.id])).rejects.toThrow(/permission denied/);
		await expect(as(head, `update resident set status = 'died' where id = $1`, [id])).rejects.toThrow(/permission denied/);
		await expect(as(head, 'update resident set household_id = $2 where id = $1', [id, other.householdId])).rejects.toThrow(/permission denied/);
		await expect(as(admin, `update resident set status = 'moved' where id = $1`, [id])).rejects.toThrow(/permission denied/);
		// The fields of the edit form stay writable.
		expect(await as(head, `update resident set occupation = 'Guru' where id = $1 returning id`, [id])).toHaveLength(1);
		expect(await one<{ status: string; user_id: string | null }>('select status, user_id from resident where id = $1', [id])).toEqual({ status: 'permanent', user_id: null });
	});

	it('refuses a new resident that comes already linked to an account', async () => {
		const { householdId } = await family(2);
		await expect(
			as(
				head,
				`insert into resident (rw_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_date, sex, relation, user_id)
				 values ($1, $2, 'x', 'linked-nik', 'm', '0001', 'Menumpang', '1990-01-01', 'L', 'anak', $3)`,
				[rw.id, householdId, head.id]
			)
		).rejects.toThrow(/permission denied/);
	});

	it('links by phone only by the rule, and only records the caller may write', async () => {
		const mine = await family(0);
		const theirs = await family(3); // RT 2
		const phone = resident.phone;
		await db.query('update resident set phone = $2 where id = any ($1::uuid[])', [[mine.residentIds[1], theirs.residentIds[1]], phone]);
		// Another RT's record: the RT head may not write it, so nothing is linked.
		expect(await as(head, 'select app.link_residents_by_phone($1::uuid[]) as n', [[theirs.residentIds[1]]])).toEqual([{ n: 0 }]);
		// A resident may write no record at all.
		expect(await as(resident, 'select app.link_residents_by_phone($1::uuid[]) as n', [[mine.residentIds[1]]])).toEqual([{ n: 0 }]);
		expect(await as(head, 'select app.link_residents_by_phone($1::uuid[]) as n', [[mine.residentIds[1]]])).toEqual([{ n: 1 }]);
		expect((await one<{ user_id: string }>('select user_id from resident where id = $1', [mine.residentIds[1]])).user_id).toBe(resident.id);
		// The owner-only form is not for the API roles.
		await expect(as(head, 'select app.link_by_phone(null, $1, $2)', [head.id, rw.id])).rejects.toThrow(/permission denied/);
	});
});

describe('mutations by plain SQL', () => {
	const insert = (user: Member, values: { resident: string; kind: string; on: string; rt?: string; from?: string | null; to?: string | null; doc?: string | null }) =>
		as<{ id: string }>(
			user,
			`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, from_household_id, to_household_id, document_path, recorded_by)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
			[rw.id, values.rt ?? rw.rts[0]!.id, values.resident, values.kind, values.on, values.from ?? null, values.to ?? null, values.doc ?? null, user.id]
		);
	const stateOf = (id: string) => one<{ status: string; household_id: string }>('select status, household_id from resident where id = $1', [id]);

	it('apply themselves to the resident, once, and follow the person’s history', async () => {
		const { residentIds } = await family(0);
		const id = residentIds[1]!;
		expect(await insert(head, { resident: id, kind: 'moved_out', on: '2026-01-10' })).toHaveLength(1);
		expect((await stateOf(id)).status).toBe('moved');
		await expect(insert(head, { resident: id, kind: 'died', on: '2026-02-01' })).rejects.toThrow(/mutation.rule_moved/);
		await expect(insert(head, { resident: id, kind: 'moved_in', on: '2026-01-09' })).rejects.toThrow(/mutation.rule_before_last/);
		expect(await insert(head, { resident: id, kind: 'moved_in', on: '2026-01-20' })).toHaveLength(1);
		expect((await stateOf(id)).status).toBe('permanent');
		expect(await insert(head, { resident: id, kind: 'died', on: '2026-02-01' })).toHaveLength(1);
		await expect(insert(admin, { resident: id, kind: 'died', on: '2026-02-02' })).rejects.toThrow(/mutation.rule_died/);
		expect((await stateOf(id)).status).toBe('died');
	});

	it('refuse dates the form refuses: before the birth, in the future, a late birth', async () => {
		const { residentIds } = await family(0);
		const child = residentIds[1]!; // born 2010-03-04
		await expect(insert(head, { resident: child, kind: 'moved_out', on: '2009-12-31' })).rejects.toThrow(/mutation.rule_before_birth/);
		await expect(insert(head, { resident: child, kind: 'moved_out', on: '2999-01-01' })).rejects.toThrow(/mutation.rule_future/);
		await expect(insert(head, { resident: child, kind: 'born', on: '2010-06-01' })).rejects.toThrow(/mutation.rule_born_date/);
		expect(await one<{ n: number }>('select count(*)::int as n from mutation where resident_id = $1', [child])).toEqual({ n: 0 });
	});

	it('keep the RT and household the resident is in, whatever the caller sends', async () => {
		const mine = await family(0);
		const theirs = await family(3); // RT 2
		const [row] = await insert(admin, { resident: mine.residentIds[1]!, kind: 'moved_out', on: '2026-03-01', rt: rw.rts[1]!.id });
		expect(await one('select rt_id, from_household_id from mutation where id = $1', [row!.id])).toEqual({ rt_id: rw.rts[0]!.id, from_household_id: null });
		await expect(insert(admin, { resident: mine.residentIds[0]!, kind: 'died', on: '2026-03-01', from: theirs.householdId })).rejects.toThrow(/source household/);
		// An RT head who sends their own RT for another RT's resident is refused by RLS.
		await expect(insert(head, { resident: theirs.residentIds[1]!, kind: 'moved_out', on: '2026-03-01' })).rejects.toThrow(/row-level security/);
	});

	it('refuse a change to the same household, a target for an event that has none, and another RW’s household', async () => {
		const mine = await family(0);
		const other = await family(1);
		const abroad = await family(0, otherRw);
		const child = mine.residentIds[1]!;
		await expect(insert(head, { resident: child, kind: 'changed_household', on: '2026-03-01', to: mine.householdId })).rejects.toThrow(/mutation_household_change/);
		await expect(insert(head, { resident: child, kind: 'moved_out', on: '2026-03-01', to: other.householdId })).rejects.toThrow(/mutation_to_household_kind/);
		await expect(insert(admin, { resident: child, kind: 'changed_household', on: '2026-03-01', to: abroad.householdId })).rejects.toThrow(
			/mutation_to_household_fkey|row-level security/
		);
		expect(await insert(head, { resident: child, kind: 'changed_household', on: '2026-03-01', to: other.householdId })).toHaveLength(1);
		expect(await stateOf(child)).toEqual({ status: 'permanent', household_id: other.householdId });
	});

	it('keep a document key to this RW’s mutation documents', async () => {
		const { residentIds } = await family(0);
		await expect(
			insert(admin, { resident: residentIds[1]!, kind: 'moved_out', on: '2026-03-01', doc: `letters/${rw.id}/AAAAAAAAAAAAAAAAAAAAAA.pdf` })
		).rejects.toThrow(/mutation_document_path/);
		await expect(
			insert(admin, { resident: residentIds[1]!, kind: 'moved_out', on: '2026-03-01', doc: `mutations/${otherRw.id}/AAAAAAAAAAAAAAAAAAAAAA.pdf` })
		).rejects.toThrow(/mutation_document_path/);
	});
});

describe('one head of family per KK', () => {
	it('refuses a second head living there, by insert or by a changed relation', async () => {
		const { householdId, residentIds } = await family(0);
		await expect(
			as(
				admin,
				`insert into resident (rw_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_date, sex, relation)
				 values ($1, $2, 'x', 'second-head', 'm', '0002', 'Kepala Kedua', '1980-01-01', 'L', 'kepala_keluarga')`,
				[rw.id, householdId]
			)
		).rejects.toThrow(/resident_one_head_idx/);
		await expect(as(head, `update resident set relation = 'kepala_keluarga' where id = $1`, [residentIds[1]])).rejects.toThrow(/resident_one_head_idx/);
	});

	it('counts only heads living there: after the head moves out, another may head the KK', async () => {
		const { residentIds } = await family(0);
		await as(head, `insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, recorded_by) values ($1, $2, $3, 'moved_out', '2026-03-01', $4)`, [
			rw.id,
			rw.rts[0]!.id,
			residentIds[0],
			head.id
		]);
		expect(await as(head, `update resident set relation = 'kepala_keluarga' where id = $1 returning id`, [residentIds[1]])).toHaveLength(1);
		// …and the one who left cannot come back as a second head.
		await expect(
			as(head, `insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, recorded_by) values ($1, $2, $3, 'moved_in', '2026-03-02', $4)`, [
				rw.id,
				rw.rts[0]!.id,
				residentIds[0],
				head.id
			])
		).rejects.toThrow(/resident_one_head_idx/);
	});
});

describe('correction and letter requests', () => {
	it('files a correction under its household’s RT, and a handler may not rewrite it', async () => {
		const mine = await family(0, rw);
		await db.query('update resident set user_id = $2 where id = $1', [mine.residentIds[0], resident.id]);
		const [c] = await as<{ id: string; rt_id: string }>(
			resident,
			`insert into correction_request (rw_id, rt_id, household_id, requested_by, field, requested_value) values ($1, $2, $3, $4, 'name', 'Nama Baru') returning id, rt_id`,
			[rw.id, rw.rts[1]!.id, mine.householdId, resident.id]
		);
		expect(c!.rt_id).toBe(rw.rts[0]!.id);
		await expect(as(head, `update correction_request set requested_value = 'Lain' where id = $1`, [c!.id])).rejects.toThrow(/permission denied/);
		expect(await as(head, `update correction_request set status = 'resolved', handled_by = $2, handled_at = now() where id = $1 returning id`, [c!.id, head.id])).toHaveLength(1);
	});

	it('moves a letter request only along its flow, each step by whom it is for', async () => {
		const mine = await family(0);
		await db.query('update resident set user_id = $2 where id = $1', [mine.residentIds[0], neighbour.id]);
		const [service] = await db.query<{ id: string }>(`select id from letter_service where rw_id = $1 and mode = 'online' limit 1`, [rw.id]);
		const create = (status: string) =>
			as<{ id: string; rt_id: string }>(
				neighbour,
				`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status) values ($1, $2, $3, $4, $5, $6) returning id, rt_id`,
				[rw.id, rw.rts[1]!.id, service!.id, neighbour.id, mine.residentIds[0], status]
			);
		await expect(create('rt_approved')).rejects.toThrow(/starts as a draft/);
		const [request] = await create('draft');
		// The RT is the subject's, not what the requester sent.
		expect(request!.rt_id).toBe(rw.rts[0]!.id);
		const step = (user: Member, status: string) =>
			as(user, `update letter_request set status = $2 where id = $1 returning id`, [request!.id, status]);
		await expect(step(neighbour, 'rt_approved')).rejects.toThrow(/may not go from draft to rt_approved/);
		expect(await step(neighbour, 'submitted')).toHaveLength(1);
		await expect(step(neighbour, 'rt_approved')).rejects.toThrow(/may not go/);
		// The RW admin cannot take the RT head's step, nor issue without a numbered letter.
		await expect(step(admin, 'rt_approved')).rejects.toThrow(/may not go/);
		expect(await step(head, 'rt_approved')).toHaveLength(1);
		await expect(step(head, 'issued')).rejects.toThrow(/may not go/);
		await expect(step(admin, 'issued')).rejects.toThrow(/may not go/);
		expect(await step(admin, 'returned')).toHaveLength(1);
		expect(await one('select status, returned_by_role from letter_request where id = $1', [request!.id])).toEqual({ status: 'returned', returned_by_role: 'rw_admin' });
	});
});
