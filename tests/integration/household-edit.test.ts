import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptPii, piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { getHouseholdForEdit, updateHousehold } from '../../src/lib/server/registry/household-edit';
import { commitRows } from '../../src/lib/server/registry/registration';
import { recordMutation } from '../../src/lib/server/registry/mutations';
import { searchResidents } from '../../src/lib/server/registry/residents';
import { residentFiltersSchema } from '../../src/lib/schemas/registry';
import { freshDatabase } from '../factories/db';
import { newKk, residentRow } from '../factories/registry';
import { makeRw, makeStaff, type TestRw, type TestMember } from '../factories/tenancy';

/** Correcting a household (KK): its number, house, address and head of family. */

type Member = TestMember;
const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let admin: Member;
let head1: Member;
let head2: Member;
let line = 100;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
	({ admin, head1, head2 } = await makeStaff(db, rw));
});
afterAll(async () => db?.close());

/** A household of a head, a wife and a child in RT 1; returns its id, KK and the members' ids (head, wife, child). */
async function household() {
	const kk = newKk();
	const house = `H${++line}`;
	const rows = [
		residentRow(++line, { kk, rt: '1', house_number: house, name: `Kepala ${line}`, relation: 'Kepala Keluarga' }),
		residentRow(++line, { kk, rt: '1', house_number: house, name: `Istri ${line}`, relation: 'Istri', sex: 'P' }),
		residentRow(++line, { kk, rt: '1', house_number: house, name: `Anak ${line}`, relation: 'Anak', birth_date: '2001-02-03' })
	];
	expect(await commitRows(db, keys, head1, rows)).toMatchObject({ ok: true });
	const ids = [] as string[];
	for (const row of rows) ids.push((await db.query<{ id: string }>('select id from resident where name = $1', [row.values.name]))[0]!.id);
	const [{ household_id: id } = { household_id: '' }] = await db.query<{ household_id: string }>('select household_id from resident where id = $1', [ids[0]]);
	return { id, kk, house, ids: ids as [string, string, string] };
}

const same = (h: { house: string }) => ({ rt: '1', block: 'A', house_number: h.house, address: '' });
const relations = async (ids: string[]) => (await db.query<{ id: string; relation: string }>('select id, relation from resident where id = any ($1)', [ids])).sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id)).map((r) => r.relation);

describe('editing a household', () => {
	it('corrects the KK number with its checks, logs the field and not the number, and never shows it', async () => {
		const h = await household();
		const other = await household();
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), kk: '123' })).toEqual({ ok: false, errors: { kk: 'errors.kk_length' } });
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), kk: other.kk })).toEqual({ ok: false, errors: { kk: 'errors.kk_registered' } });
		const fixed = newKk();
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), kk: fixed })).toEqual({ ok: true, changed: ['kk'] });
		const [row] = await db.query<{ kk_enc: string; kk_masked: string }>('select kk_enc, kk_masked from household where id = $1', [h.id]);
		expect(decryptPii(keys, 'kk', row!.kk_enc)).toBe(fixed);
		expect(row!.kk_masked).toContain(fixed.slice(-4));
		const view = await getHouseholdForEdit(db, head1, h.id);
		expect(JSON.stringify(view)).not.toContain(fixed);
		const [audit] = await db.query<{ detail: unknown }>(`select detail from audit_log where action = 'registry.household_update' and target = $1`, [h.id]);
		expect(audit!.detail).toEqual({ fields: ['kk'] });
		// Left empty, the stored number stays.
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), kk: '' })).toEqual({ ok: true, changed: [] });
	});

	it('moves it to the house as written, and its members are found there', async () => {
		const h = await household();
		expect(await updateHousehold(db, keys, head1, h.id, { rt: '001', block: '', house_number: 'Blok C9 No. 77', address: 'Jl. Melati' })).toEqual({ ok: true, changed: ['house', 'address'] });
		const found = await searchResidents(db, head1, residentFiltersSchema.parse({ house: 'C9 77' }));
		expect(found.rows).toHaveLength(3);
		// Another RT is the admin's, or that RT head's too.
		expect(await updateHousehold(db, keys, head1, h.id, { rt: '2', block: 'B', house_number: '1', address: '' })).toEqual({ ok: false, errors: { rt: 'errors.rt_not_yours' } });
		expect(await updateHousehold(db, keys, head2, h.id, { rt: '2', block: 'B', house_number: '1', address: '' })).toBeNull();
		expect(await updateHousehold(db, keys, admin, h.id, { rt: '2', block: 'B', house_number: '1', address: '' })).toMatchObject({ ok: true });
		const rts = await db.query<{ rt_number: number }>('select distinct rt_number from resident where household_id = $1', [h.id]);
		expect(rts).toEqual([{ rt_number: 2 }]);
	});

	it('hands the head of family to another member only with a new relation for the former head', async () => {
		const h = await household();
		const [headId, wifeId, childId] = h.ids;
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), head: wifeId })).toEqual({ ok: false, errors: { former_head_relation: 'errors.required' } });
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), head: wifeId, former_head_relation: 'kepala_keluarga' })).toEqual({
			ok: false,
			errors: { former_head_relation: 'errors.invalid_choice' }
		});
		expect(await relations(h.ids)).toEqual(['kepala_keluarga', 'istri', 'anak']);
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), head: wifeId, former_head_relation: 'suami' })).toEqual({ ok: true, changed: ['head'] });
		expect(await relations(h.ids)).toEqual(['suami', 'kepala_keluarga', 'anak']);
		// Someone who moved away cannot head it; after the head died, a member takes over without a former head to relabel.
		expect((await recordMutation(db, head1, { residentId: childId, kind: 'moved_out', occurredOn: '2026-06-01', note: '' })).ok).toBe(true);
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), head: childId, former_head_relation: 'istri' })).toEqual({ ok: false, errors: { head: 'errors.invalid_choice' } });
		expect((await recordMutation(db, head1, { residentId: wifeId, kind: 'died', occurredOn: '2026-06-02', note: '' })).ok).toBe(true);
		expect(await updateHousehold(db, keys, head1, h.id, { ...same(h), head: headId })).toEqual({ ok: true, changed: ['head'] });
		expect(await relations(h.ids)).toEqual(['kepala_keluarga', 'kepala_keluarga', 'anak']);
		const heads = await db.query(`select 1 from resident where household_id = $1 and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`, [h.id]);
		expect(heads).toHaveLength(1);
	});

	it('is not another RT head’s to see or edit', async () => {
		const h = await household();
		expect(await getHouseholdForEdit(db, head2, h.id)).toBeNull();
		expect(await updateHousehold(db, keys, head2, h.id, { ...same(h), address: 'lewat' })).toBeNull();
		expect(await getHouseholdForEdit(db, admin, h.id)).toMatchObject({ id: h.id });
	});
});
