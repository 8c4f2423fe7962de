// Correcting a resident record, linking records to the accounts of the people they
// describe, and correction requests that keep NIK/KK masked.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInvite, redeemInvite } from '../../src/lib/server/auth/invites';
import { decryptPii, piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { withUser } from '../../src/lib/server/db/with-user';
import { listCorrections, requestCorrection } from '../../src/lib/server/registry/corrections';
import { commitRows, dryRun } from '../../src/lib/server/registry/registration';
import { recordMutation } from '../../src/lib/server/registry/mutations';
import { updateResident } from '../../src/lib/server/registry/resident-edit';
import { getResident, myHouseholds, searchResidents } from '../../src/lib/server/registry/residents';
import { residentFiltersSchema } from '../../src/lib/schemas/registry';
import { fixClock } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { newKk, nikFor, residentRow } from '../factories/registry';
import { makeMember, makeRw, makeStaff, uniquePhone, type TestRw, type TestMember } from '../factories/tenancy';

const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let admin: TestMember;
let head1: TestMember;
let head2: TestMember;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	({ admin, head1, head2 } = await makeStaff(db, rw));
});
afterAll(async () => db?.close());

/** Registers one person in RT 1 (house A <n>) and returns their record id and NIK. */
async function register(name: string, overrides: Record<string, string> = {}) {
	const row = residentRow(1, { kk: newKk(), rt: '1', name, ...overrides });
	expect(await commitRows(db, keys, head1, [row])).toMatchObject({ ok: true });
	const [r] = await db.query<{ id: string }>('select id from resident where name = $1', [name]);
	return { id: r!.id, nik: row.values.nik!, values: row.values };
}

/** The form as the edit page posts it: the record's fields, NIK left empty (keep). */
const formOf = (values: Record<string, string | undefined>, changes: Record<string, string> = {}) => ({
	nik: '',
	name: values.name!,
	birth_place: values.birth_place!,
	birth_date: values.birth_date!,
	sex: values.sex!,
	religion: 'islam',
	marital_status: 'kawin',
	relation: 'kepala_keluarga',
	occupation: values.occupation!,
	phone: '',
	...changes
});

// Dates below are days before the fixed now (TEST_NOW), whenever the suite runs.
beforeEach(() => fixClock());
afterEach(() => {
	vi.useRealTimers();
});

describe('correcting a resident record', () => {
	it('saves a corrected name, finds the person by it, and logs which fields changed without their values', async () => {
		const budi = await register('Budi Salah Ketik');
		const result = await updateResident(db, keys, head1, budi.id, formOf(budi.values, { name: 'Budi Santoso Benar', occupation: 'Guru' }));
		expect(result).toEqual({ ok: true, changed: ['name', 'occupation'] });
		expect(await getResident(db, head1, budi.id)).toMatchObject({ name: 'Budi Santoso Benar', occupation: 'Guru' });
		// The name search reads the name words the triggers keep.
		const found = await searchResidents(db, head1, residentFiltersSchema.parse({ q: 'benar' }));
		expect(found.rows.map((r) => r.name)).toEqual(['Budi Santoso Benar']);
		const [log] = await db.query<{ action: string; detail: unknown }>(
			`select action, detail from audit_log where target = $1 and action = 'registry.resident_update'`,
			[budi.id]
		);
		expect(log).toEqual({ action: 'registry.resident_update', detail: { fields: ['name', 'occupation'] } });
		expect(JSON.stringify(log)).not.toContain('Benar');
	});

	it('checks the stored NIK against a new birth date and sex, and replaces the NIK only when a new one is typed', async () => {
		const sari = await register('Sari Tanggal', { sex: 'P', birth_date: '1991-02-03', nik: nikFor('1991-02-03', 'P') });
		// Another birth date no longer agrees with the NIK kept on file: refused on the NIK, nothing written.
		const moved = await updateResident(db, keys, head1, sari.id, formOf(sari.values, { birth_date: '1991-02-04' }));
		expect(moved).toEqual({ ok: false, errors: { nik: 'errors.nik_birth_date_mismatch' } });
		expect((await getResident(db, head1, sari.id))!.birth_date).toBe('1991-02-03');
		// With the right new NIK typed as well, both change; the NIK is sealed like any other.
		const nik = nikFor('1991-02-04', 'P');
		expect(await updateResident(db, keys, head1, sari.id, formOf(sari.values, { birth_date: '1991-02-04', nik }))).toEqual({
			ok: true,
			changed: ['nik', 'birth_date']
		});
		const [row] = await db.query<{ nik_enc: string; nik_masked: string; nik_last4: string }>('select nik_enc, nik_masked, nik_last4 from resident where id = $1', [sari.id]);
		expect(decryptPii(keys, 'nik', row!.nik_enc)).toBe(nik);
		expect(row!.nik_masked).toBe(`••••••••••••${nik.slice(-4)}`);
		expect(row!.nik_last4).toBe(nik.slice(-4));
		expect(JSON.stringify(row)).not.toContain(nik);
	});

	it('refuses a birth date after the first recorded event of the person', async () => {
		const eko = await register('Eko Pindah Datang', { birth_date: '2001-01-01', nik: nikFor('2001-01-01', 'L') });
		expect((await recordMutation(db, head1, { residentId: eko.id, kind: 'moved_in', occurredOn: '2020-06-01', note: '' })).ok).toBe(true);
		const later = '2021-01-01';
		expect(await updateResident(db, keys, head1, eko.id, formOf(eko.values, { birth_date: later, nik: nikFor(later, 'L') }))).toEqual({
			ok: false,
			errors: { birth_date: 'errors.birth_after_mutation' }
		});
		const earlier = '2000-12-31';
		expect(await updateResident(db, keys, head1, eko.id, formOf(eko.values, { birth_date: earlier, nik: nikFor(earlier, 'L') }))).toMatchObject({ ok: true });
	});

	it('refuses a NIK that belongs to someone else in the RW, even in an RT the editor cannot see', async () => {
		const first = await register('Pemilik NIK');
		const other = residentRow(2, { kk: newKk(), rt: '2', name: 'Warga RT Dua' });
		expect(await commitRows(db, keys, head2, [other])).toMatchObject({ ok: true });
		const second = await register('Peminjam NIK');
		expect(await updateResident(db, keys, head1, second.id, formOf(second.values, { nik: first.nik }))).toEqual({ ok: false, errors: { nik: 'errors.nik_registered' } });
		expect(await updateResident(db, keys, head1, second.id, formOf(second.values, { nik: other.values.nik! }))).toEqual({ ok: false, errors: { nik: 'errors.nik_registered' } });
	});

	it('shows every field error at once, in Bahasa message keys, and writes nothing', async () => {
		const rina = await register('Rina Banyak Salah');
		const result = await updateResident(db, keys, head1, rina.id, formOf(rina.values, { name: '', phone: '12', sex: 'X' }));
		expect(result).toMatchObject({ ok: false, errors: { name: 'errors.required', phone: 'errors.phone_invalid', sex: 'errors.invalid_choice' } });
		expect((await getResident(db, head1, rina.id))!.name).toBe('Rina Banyak Salah');
	});

	it('keeps each RT head to their own RT, and lets the RW admin edit anywhere', async () => {
		const tono = await register('Tono Rt Satu');
		expect(await updateResident(db, keys, head2, tono.id, formOf(tono.values, { name: 'Diubah RT Dua' }))).toBeNull();
		const resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		expect(await updateResident(db, keys, resident, tono.id, formOf(tono.values, { name: 'Diubah Warga' }))).toBeNull();
		expect((await getResident(db, admin, tono.id))!.name).toBe('Tono Rt Satu');
		expect(await updateResident(db, keys, admin, tono.id, formOf(tono.values, { name: 'Tono Diubah Admin' }))).toMatchObject({ ok: true });
		const otherRw = await makeRw(db, 1, 1);
		const foreignAdmin = await makeMember(db, otherRw, 'rw_admin');
		expect(await updateResident(db, keys, foreignAdmin, tono.id, formOf(tono.values, { name: 'Diubah RW Lain' }))).toBeNull();
		expect((await getResident(db, admin, tono.id))!.name).toBe('Tono Diubah Admin');
	});
});

describe('RLS on registry writes (the API reaches these tables directly on Supabase)', () => {
	it('refuses an RT head writing households and residents into another RT', async () => {
		const other = residentRow(7, { kk: newKk(), rt: '2', name: 'Warga Rt Dua Rls', house_number: '77' });
		expect(await commitRows(db, keys, head2, [other])).toMatchObject({ ok: true });
		const [theirs] = await db.query<{ id: string; household_id: string; house_id: string }>(
			`select r.id, r.household_id, hh.house_id from resident r join household hh on hh.id = r.household_id where r.name = 'Warga Rt Dua Rls'`
		);
		const asHead1 = <T>(sql: string, params: unknown[]) => withUser(db, { sub: head1.id, rw_id: rw.id }, (tx) => tx.query<T>(sql, params));
		await expect(
			asHead1(`insert into household (rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked, address) values ($1, $2, $3, 'x', 'rls-kk', 'x', '')`, [
				rw.id,
				rw.rts[1]!.id,
				theirs!.house_id
			])
		).rejects.toThrow(/row-level security/);
		await expect(
			asHead1(
				`insert into resident (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_date, sex, relation, status)
				 values ($1, $2, $3, 'x', 'rls-nik', 'x', '0000', 'Penyusup', '1990-01-01', 'L', 'anak', 'permanent')`,
				[rw.id, rw.rts[1]!.id, theirs!.household_id]
			)
		).rejects.toThrow(/row-level security/);
		expect(await asHead1(`update resident set name = 'Diubah' where id = $1 returning id`, [theirs!.id])).toEqual([]);
		expect(await asHead1(`update household set address = 'Diubah' where id = $1 returning id`, [theirs!.household_id])).toEqual([]);
		expect((await getResident(db, head2, theirs!.id))!.name).toBe('Warga Rt Dua Rls');
	});
});

describe('a resident\'s mutation history for the rules', () => {
	it('is answered only to the RW admin and the head of the resident\'s RT', async () => {
		const dewi = await register('Dewi Riwayat', { birth_date: '1999-09-09', nik: nikFor('1999-09-09', 'L') });
		expect((await recordMutation(db, head1, { residentId: dewi.id, kind: 'moved_in', occurredOn: '2020-02-02', note: '' })).ok).toBe(true);
		const historyAs = (user: { id: string }) =>
			withUser(db, { sub: user.id, rw_id: rw.id }, (tx) => tx.query('select first_on::text, events from app.mutation_history($1)', [dewi.id]));
		expect(await historyAs(head1)).toEqual([{ first_on: '2020-02-02', events: 1 }]);
		expect(await historyAs(admin)).toEqual([{ first_on: '2020-02-02', events: 1 }]);
		expect(await historyAs(head2)).toEqual([{ first_on: null, events: 0 }]);
	});
});

describe('one head of family per KK', () => {
	it('refuses a second head in the same file or for a KK that has one, but not one who moved away', async () => {
		const kk = newKk();
		const plan = await dryRun(db, keys, head1, [
			residentRow(2, { kk, rt: '1', house_number: '31' }),
			residentRow(3, { kk, rt: '1', house_number: '31', nik: nikFor('1980-05-17', 'L') }),
			residentRow(4, { kk, rt: '1', house_number: '31', nik: nikFor('1980-05-17', 'L'), relation: 'anak' })
		]);
		expect(plan.errors).toEqual([{ line: 3, field: 'relation', message: 'errors.head_twice' }]);

		const first = await register('Kepala Pertama', { kk, house_number: '31' });
		const second = residentRow(5, { kk, rt: '1', house_number: '31', name: 'Kepala Kedua', nik: nikFor('1980-05-17', 'L') });
		expect(await commitRows(db, keys, head1, [second])).toEqual({ ok: false, errors: [{ line: 5, field: 'relation', message: 'errors.head_exists' }] });
		// Once the first head has moved out, the KK may get its new head.
		expect((await recordMutation(db, head1, { residentId: first.id, kind: 'moved_out', occurredOn: '2026-01-05', note: '' })).ok).toBe(true);
		expect(await commitRows(db, keys, head1, [second])).toMatchObject({ ok: true });
		// The first head coming back would make two.
		expect(await recordMutation(db, head1, { residentId: first.id, kind: 'moved_in', occurredOn: '2026-02-01', note: '' })).toEqual({
			ok: false,
			reason: 'refused',
			field: 'kind',
			message: 'errors.head_exists'
		});
	});

	it('refuses moving a head into a KK that has one', async () => {
		const target = await register('Kepala Tujuan', { house_number: '51' });
		const mover = await register('Kepala Pindah Kk', { house_number: '52', nik: nikFor('1980-05-17', 'L') });
		const [into] = await db.query<{ household_id: string }>('select household_id from resident where id = $1', [target.id]);
		expect(
			await recordMutation(db, head1, { residentId: mover.id, kind: 'changed_household', occurredOn: '2026-02-01', note: '', toHouseholdId: into!.household_id })
		).toEqual({ ok: false, reason: 'refused', field: 'toKk', message: 'errors.head_exists' });
		expect(await db.query('select household_id from resident where id = $1', [mover.id])).not.toEqual([{ household_id: into!.household_id }]);
	});

	it('refuses making someone head of a KK that already has one', async () => {
		const kk = newKk();
		await register('Kepala Keluarga Ada', { kk, house_number: '41' });
		const child = await register('Anak Jadi Kepala', { kk, house_number: '41', relation: 'anak', nik: nikFor('1980-05-17', 'L') });
		expect(await updateResident(db, keys, head1, child.id, formOf(child.values, { relation: 'kepala_keluarga' }))).toEqual({
			ok: false,
			errors: { relation: 'errors.head_exists' }
		});
	});
});

describe('linking records to accounts', () => {
	it('links a registered resident when they join with an invite to their house and the same phone', async () => {
		const phone = uniquePhone();
		const house = rw.houses[1]!; // RT 1, house A 2
		await register('Wati Sudah Terdata', { block: 'A', house_number: '2', phone });
		// Same phone, another house: never linked to this person.
		await register('Wati Rumah Lain', { block: 'A', house_number: '9', phone, nik: nikFor('1980-05-17', 'L') });
		const invite = await createInvite(db, head1, { role: 'resident', rtId: house.rtId, houseId: house.id, note: '', validDays: 7 });
		if (!invite.ok) throw new Error('invite refused');
		const joined = await redeemInvite(db, { code: invite.code, name: 'Wati', phone, password: 'kata-sandi-baru-1', ip: '10.9.0.1', userAgent: 'test', sessionDays: 30 });
		if (!joined.ok) throw new Error(`redeem refused: ${joined.reason}`);
		expect(await db.query(`select name from resident where user_id = $1`, [joined.userId])).toEqual([{ name: 'Wati Sudah Terdata' }]);
	});

	it('links a record imported after the member joined, only at the house the member was invited to', async () => {
		const member = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id }); // RT 1, A 1
		await register('Salah Rumah Sama Hp', { block: 'A', house_number: '5', phone: member.phone });
		expect(await myHouseholds(db, member)).toEqual([]);
		await register('Rumah Yang Benar', { block: 'A', house_number: '1', phone: member.phone, nik: nikFor('1970-10-10', 'L'), birth_date: '1970-10-10' });
		expect((await myHouseholds(db, member)).flatMap((h) => h.members.map((m) => m.name))).toContain('Rumah Yang Benar');
		expect((await myHouseholds(db, member)).flatMap((h) => h.members.map((m) => m.name))).not.toContain('Salah Rumah Sama Hp');
	});

	it('links a member invited to the RT without a house to a record of that RT only', async () => {
		const member = await makeMember(db, rw, 'resident', { rtIndex: 1 }); // RT 2, no house
		await register('Beda Rt Sama Hp', { block: 'C', house_number: '3', phone: member.phone });
		expect(await myHouseholds(db, member)).toEqual([]);
		const row = residentRow(3, { kk: newKk(), rt: '2', name: 'Di Rt Dua', block: 'D', house_number: '4', phone: member.phone });
		expect(await commitRows(db, keys, head2, [row])).toMatchObject({ ok: true });
		expect((await myHouseholds(db, member)).flatMap((h) => h.members.map((m) => m.name))).toEqual(['Di Rt Dua']);
	});

	it('never links an RT head\'s account to a household that gives the head\'s number', async () => {
		await register('Keluarga Pakai Hp Ketua', { block: 'E', house_number: '8', phone: head1.phone });
		expect(await myHouseholds(db, head1)).toEqual([]);
	});

	it('links when the RT head later enters the phone of a member invited to that house', async () => {
		const house = rw.houses[0]!; // RT 1, house A 1
		const member = await makeMember(db, rw, 'resident', { houseId: house.id });
		const joko = await register('Joko Tanpa Hp', { block: 'A', house_number: '1' });
		expect(await myHouseholds(db, member)).toEqual([]);
		expect(await updateResident(db, keys, head1, joko.id, formOf(joko.values, { phone: member.phone }))).toMatchObject({ ok: true, changed: ['phone'] });
		expect((await myHouseholds(db, member)).flatMap((h) => h.members.map((m) => m.name))).toContain('Joko Tanpa Hp');
		// The same phone on a record of another house links nobody.
		const far = await register('Orang Rumah Jauh', { block: 'B', house_number: '7', nik: nikFor('1975-01-01', 'L'), birth_date: '1975-01-01' });
		const stranger = await makeMember(db, rw, 'resident', { houseId: rw.houses[1]!.id });
		await updateResident(db, keys, head1, far.id, formOf(far.values, { phone: stranger.phone }));
		expect(await myHouseholds(db, stranger)).toEqual([]);
	});
});

describe('correction requests', () => {
	it('keeps a requested NIK or KK number only masked, and names the field in the list', async () => {
		const house = rw.houses[0]!;
		const member = await makeMember(db, rw, 'resident', { houseId: house.id });
		const ani = await register('Ani Minta Koreksi', { block: 'A', house_number: '1', phone: member.phone, sex: 'P', birth_date: '1985-08-09', nik: nikFor('1985-08-09', 'P') });
		const [household] = await myHouseholds(db, member);
		expect(household).toBeDefined();
		const wanted = '3172064908850999';
		expect(await requestCorrection(db, member, { householdId: household!.id, residentId: ani.id, field: 'nik', requestedValue: '3172 0649 0885 0999', note: 'Salah satu angka' })).toBe(true);
		expect(await requestCorrection(db, member, { householdId: household!.id, residentId: ani.id, field: 'occupation', requestedValue: 'Perawat', note: '' })).toBe(true);
		const rows = await db.query<{ field: string; requested_value: string }>('select field, requested_value from correction_request where resident_id = $1 order by field', [ani.id]);
		expect(rows).toEqual([
			{ field: 'nik', requested_value: '••••••••••••0999' },
			{ field: 'occupation', requested_value: 'Perawat' }
		]);
		// Part of a number (the digits said to be wrong) is not kept at all.
		expect(await requestCorrection(db, member, { householdId: household!.id, residentId: ani.id, field: 'kk', requestedValue: '0649 0885', note: '' })).toBe(true);
		expect(await db.query(`select requested_value from correction_request where resident_id = $1 and field = 'kk'`, [ani.id])).toEqual([{ requested_value: '••••••••' }]);
		expect(JSON.stringify(await db.query('select * from correction_request'))).not.toContain(wanted);
		const listed = await listCorrections(db, head1);
		expect(listed.filter((c) => c.resident_id === ani.id).map((c) => c.field).sort()).toEqual(['kk', 'nik', 'occupation']);
	});
});
