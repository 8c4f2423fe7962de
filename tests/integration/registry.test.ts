import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import { commitRows, dryRun } from '../../src/lib/server/registry/registration';
import { recordMutation, mutationReport } from '../../src/lib/server/registry/mutations';
import { myHouseholds, searchResidents, getResident } from '../../src/lib/server/registry/residents';
import { revealIdentity } from '../../src/lib/server/registry/reveal';
import { requestCorrection } from '../../src/lib/server/registry/corrections';
import { renderHouseholdPdf } from '../../src/lib/server/registry/household-pdf';
import { pdfText } from '../factories/pdf';
import { demographics } from '../../src/lib/server/registry/demographics';
import { residentFiltersSchema } from '../../src/lib/schemas/registry';
import { fixClock } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, makeStaff, type TestRw, type TestMember } from '../factories/tenancy';
import { newKk, nikFor, residentRow } from '../factories/registry';

const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let otherRw: TestRw;
let admin: TestMember;
let head1: TestMember;
let head2: TestMember;

const filters = (f: Record<string, string> = {}) => residentFiltersSchema.parse(f);
const count = async (sql: string, params: unknown[] = []) =>
	(await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) q`, params))[0]!.n;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
	otherRw = await makeRw(db, 1, 1);
	({ admin, head1, head2 } = await makeStaff(db, rw));
});
afterAll(async () => db?.close());
afterEach(() => {
	vi.useRealTimers();
});

let addedLine = 10_000;
/** People in households of their own, written by the RW admin; returns their ids in order. */
async function addPeople(people: ({ name: string; rt?: string } & Record<string, string>)[]): Promise<string[]> {
	const rows = people.map((p) => residentRow(++addedLine, { kk: newKk(), rt: '1', ...p }));
	expect(await commitRows(db, keys, admin, rows)).toMatchObject({ ok: true });
	const found = await db.query<{ id: string; name: string }>('select id, name from resident where rw_id = $1 and name = any ($2::text[])', [rw.id, people.map((p) => p.name)]);
	return people.map((p) => found.find((f) => f.name === p.name)!.id);
}

describe('registry writes', () => {
	it('stores NIK and KK encrypted: the raw columns do not contain them', async () => {
		const kk = newKk();
		const row = residentRow(1, { kk, rt: '1', name: 'Budi Santoso' });
		const result = await commitRows(db, keys, head1, [row]);
		expect(result).toEqual({ ok: true, residents: 1, households: 1 });
		const nik = row.values.nik!;
		const raw = await db.query<Record<string, string>>(`select r.*, h.kk_enc, h.kk_hash, h.kk_masked from resident r join household h on h.id = r.household_id where r.name = 'Budi Santoso'`);
		const dump = JSON.stringify(raw);
		expect(raw).toHaveLength(1);
		expect(dump).not.toContain(nik);
		expect(dump).not.toContain(kk);
		expect(dump).not.toContain(nik.slice(4, 12));
		expect(raw[0]!.nik_masked).toBe(`••••••••••••${nik.slice(-4)}`);
		expect(raw[0]!.kk_masked).toBe(`••••••••••••${kk.slice(-4)}`);
	});

	it('dry run reports every row’s errors and writes nothing; commit refuses the same rows', async () => {
		const kk = newKk();
		const rows = [
			residentRow(2, { kk, rt: '1' }),
			residentRow(3, { kk, rt: '1', nik: '3172061501800001', birth_date: '1980-01-16' }), // NIK date ≠ birth date
			residentRow(4, { kk, rt: '1', sex: 'P', nik: nikFor('1982-03-03', 'L'), birth_date: '1982-03-03' }), // woman without +40
			residentRow(5, { kk, rt: '9' }), // unknown RT
			residentRow(6, { kk, rt: '2' }), // RT head of RT 1 entering RT 2
			residentRow(7, { kk: '123', rt: '1' }), // bad KK
			residentRow(8, { kk, rt: '1', birth_date: '31-02-1990', nik: nikFor('1990-02-28', 'L') }) // no such date
		];
		rows.push({ line: 9, values: { ...rows[0]!.values } }); // duplicate NIK in the file
		const before = await count('select 1 from resident');
		const plan = await dryRun(db, keys, head1, rows);
		expect(plan.errors.map((e) => [e.line, e.field, e.message])).toEqual([
			[2, 'nik', 'errors.nik_duplicate_rows'],
			[3, 'nik', 'errors.nik_birth_date_mismatch'],
			[4, 'nik', 'errors.nik_sex_mismatch'],
			[5, 'rt', 'errors.unknown_rt'],
			[6, 'rt', 'errors.rt_not_yours'],
			[7, 'kk', 'errors.kk_length'],
			[8, 'birth_date', 'errors.date_invalid'],
			[9, 'nik', 'errors.nik_duplicate_rows']
		]);
		const committed = await commitRows(db, keys, head1, rows);
		expect(committed.ok).toBe(false);
		expect(await count('select 1 from resident')).toBe(before);
		expect(await count('select 1 from household where rw_id = $1', [rw.id])).toBe(1);
	});

	it('dry run lists all of a row’s errors at once, and reads the RT as RT registers write it', async () => {
		const kk = newKk();
		const rows = [
			residentRow(2, { kk, rt: '1', nik: '317206170580001', phone: 'abc' }), // 15 digits, bad phone
			residentRow(3, { kk, rt: '1', nik: nikFor('1980-05-18', 'L'), religion: 'Jedi' }), // NIK date ≠ 1980-05-17
			residentRow(4, { kk: '3172060101200000', rt: '1', nik: '3172063205800001', house_number: '' }), // bad KK, NIK date, house
			residentRow(5, { kk, rt: 'RT 001', house_number: '5' }),
			residentRow(6, { kk, rt: '01/05', house_number: '5', relation: 'anak' }),
			residentRow(7, { kk, rt: '' }),
			residentRow(8, { kk, rt: 'Melati' })
		];
		const plan = await dryRun(db, keys, head1, rows);
		expect(plan.errors.map((e) => [e.line, e.field, e.message])).toEqual([
			[2, 'nik', 'errors.nik_length'],
			[2, 'phone', 'errors.phone_invalid'],
			[3, 'religion', 'errors.invalid_choice'],
			[3, 'nik', 'errors.nik_birth_date_mismatch'],
			[4, 'nik', 'errors.nik_birth_date'],
			[4, 'kk', 'errors.kk_sequence'],
			[4, 'house_number', 'errors.required'],
			[7, 'rt', 'errors.required'],
			[8, 'rt', 'errors.rt_unreadable']
		]);
		expect(plan.rows.map((r) => [r.line, r.household.rt])).toEqual([
			[5, 1],
			[6, 1]
		]);
	});

	it('refuses a NIK already registered in another RT, and a KK at another house', async () => {
		const existing = residentRow(10, { kk: newKk(), rt: '2' });
		expect((await commitRows(db, keys, head2, [existing])).ok).toBe(true);
		const again = await dryRun(db, keys, head1, [{ line: 1, values: { ...existing.values, rt: '1', kk: newKk() } }]);
		expect(again.errors).toEqual([{ line: 1, field: 'nik', message: 'errors.nik_registered' }]);
		const kkElsewhere = await dryRun(db, keys, head1, [residentRow(2, { kk: existing.values.kk!, rt: '1' })]);
		expect(kkElsewhere.errors).toEqual([{ line: 2, field: 'kk', message: 'errors.kk_other_house' }]);
	});

	it('adds members to a household whose KK exists at the same house', async () => {
		const kk = newKk();
		await commitRows(db, keys, head1, [residentRow(20, { kk, rt: '1', name: 'Kepala 20' })]);
		const wife = residentRow(20, { kk, rt: '1', name: 'Istri 20', sex: 'P', relation: 'istri', birth_date: '1985-02-02' });
		wife.values.nik = nikFor('1985-02-02', 'P');
		expect(await commitRows(db, keys, head1, [wife])).toEqual({ ok: true, residents: 1, households: 0 });
	});

	it('puts two new households of one house into that one house, in one import', async () => {
		const rows = [residentRow(60, { kk: newKk(), rt: '1', block: 'K', house_number: '7' }), residentRow(61, { kk: newKk(), rt: '1', block: 'K', house_number: '7' })];
		expect(await commitRows(db, keys, admin, rows)).toEqual({ ok: true, residents: 2, households: 2 });
		const houses = await db.query<{ n: number }>(
			`select count(distinct hh.house_id)::int as n from household hh join house h on h.id = hh.house_id where h.rw_id = $1 and h.block = 'K' and h.number = '7'`,
			[rw.id]
		);
		expect(houses).toEqual([{ n: 1 }]);
	});

	it('imports a large batch all or nothing', async () => {
		const rows = Array.from({ length: 1500 }, (_, i) => residentRow(100 + i, { kk: newKk(), rt: '1', house_number: `B${i}` }));
		const result = await commitRows(db, keys, admin, rows);
		expect(result).toEqual({ ok: true, residents: 1500, households: 1500 });
		const one = await searchResidents(db, head1, filters({ q: 'warga 1499' }));
		expect(one.rows.map((r) => r.name)).toEqual(['Warga 1499']);
	});
});

describe('registry reads and RLS', () => {
	it('searches by name, last four NIK digits and filters, paginated', async () => {
		const page1 = await searchResidents(db, admin, filters());
		expect(page1.rows).toHaveLength(25);
		expect(page1.hasNext).toBe(true);
		const page2 = await searchResidents(db, admin, filters({ page: '2' }));
		expect(page2.rows[0]!.name >= page1.rows[24]!.name).toBe(true);
		const target = (await db.query<{ nik_last4: string; name: string }>(`select nik_last4, name from resident where name = 'Budi Santoso'`))[0]!;
		const byNik = await searchResidents(db, admin, filters({ nik: target.nik_last4 }));
		expect(byNik.rows.map((r) => r.name)).toContain('Budi Santoso');
		const women = await searchResidents(db, admin, filters({ sex: 'P' }));
		expect(women.rows.every((r) => r.sex === 'P')).toBe(true);
		expect(women.rows.length).toBeGreaterThan(0);
		const rt2 = await searchResidents(db, admin, filters({ rt: '2' }));
		expect(rt2.rows.every((r) => r.rt_number === 2)).toBe(true);
		// A name search pages on (its LIMIT and OFFSET go as parameters, the others' in the text).
		const [w1, w2] = [await searchResidents(db, admin, filters({ q: 'warga' })), await searchResidents(db, admin, filters({ q: 'warga', page: '2' }))];
		expect([w1.rows.length, w1.hasNext, w2.rows.length]).toEqual([25, true, 25]);
		const first = new Set(w1.rows.map((r) => r.id));
		expect(w2.rows.filter((r) => first.has(r.id))).toEqual([]);
		expect(w2.rows[0]!.name >= w1.rows[24]!.name).toBe(true);
	});

	it('keeps the RT and house label on each resident row when a house is renumbered or a household moves', async () => {
		const row = (await searchResidents(db, admin, filters({ q: 'budi santoso' }))).rows[0]!;
		const house = (await db.query<{ id: string; household_id: string }>(
			`select h.id, hh.id as household_id from resident r join household hh on hh.id = r.household_id join house h on h.id = hh.house_id where r.id = $1`,
			[row.id]
		))[0]!;
		await db.query(`update house set block = 'Z9', number = '77' where id = $1`, [house.id]);
		const renamed = (await searchResidents(db, admin, filters({ q: 'budi santoso' }))).rows[0]!;
		expect([renamed.block, renamed.house_number, renamed.rt_number]).toEqual(['Z9', '77', row.rt_number]);
		const target = (await db.query<{ id: string; rt_number: number }>(
			`select h.id, rt.number as rt_number from house h join rt on rt.id = h.rt_id where h.rw_id = $1 and h.rt_id <> (select rt_id from house where id = $2) limit 1`,
			[rw.id, house.id]
		))[0]!;
		await db.query('update household set house_id = $2 where id = $1', [house.household_id, target.id]);
		const moved = (await searchResidents(db, admin, filters({ q: 'budi santoso' }))).rows[0]!;
		expect(moved.rt_number).toBe(target.rt_number);
		await db.query('update household set house_id = $2 where id = $1', [house.household_id, house.id]);
		await db.query(`update house set block = $2, number = $3 where id = $1`, [house.id, row.block, row.house_number]);
	});

	it('searches names by word prefix, in any word order, only among the residents the user may see', async () => {
		const names = async (u: typeof admin, q: string) => (await searchResidents(db, u, filters({ q }))).rows.map((r) => r.name);
		expect(await names(admin, 'santoS')).toContain('Budi Santoso');
		expect(await names(admin, 'bu')).toContain('Budi Santoso');
		expect(await names(admin, 'santoso budi')).toContain('Budi Santoso');
		expect(await names(admin, 'budi san')).toContain('Budi Santoso');
		expect(await names(admin, 'budi x')).not.toContain('Budi Santoso');
		expect(await names(admin, 'antoso')).not.toContain('Budi Santoso'); // not a word start
		// One row per resident even when two of their words match.
		const dup = await names(admin, 's');
		expect(dup.filter((n) => n === 'Budi Santoso').length).toBeLessThanOrEqual(1);
		// Budi lives in RT 1: the head of RT 2 finds nobody, the head of RT 1 finds him.
		expect(await names(head2, 'santoso')).toEqual([]);
		expect(await names(head1, 'santoso')).toContain('Budi Santoso');
		// The word table itself is behind RLS: another RW's admin reads none of it.
		const outsider = await makeMember(db, otherRw, 'rw_admin');
		const leaked = await withUser(db, { sub: outsider.id, rw_id: otherRw.id }, (tx) =>
			tx.query('select * from resident_name_word where rw_id = $1', [rw.id])
		);
		expect(leaked).toEqual([]);
		// A renamed resident is found under the new name only.
		const id = (await db.query<{ id: string }>(`select id from resident where name = 'Budi Santoso'`))[0]!.id;
		await db.query(`update resident set name = 'Budi Hartono' where id = $1`, [id]);
		expect(await names(admin, 'santoso')).not.toContain('Budi Hartono');
		expect(await names(admin, 'hartono')).toContain('Budi Hartono');
		await db.query(`update resident set name = 'Budi Santoso' where id = $1`, [id]);
	});

	it('keeps an RT head to their RT and another RW out entirely', async () => {
		const [own, other] = await addPeople([
			{ name: 'Sekat Satu', rt: '1' },
			{ name: 'Sekat Dua', rt: '2' }
		]);
		const rt2 = await searchResidents(db, head2, filters({ status: 'all' }));
		expect(rt2.rows.map((r) => r.id)).toContain(other);
		expect(rt2.rows.every((r) => r.rt_number === 2)).toBe(true);
		expect(await getResident(db, head2, own!)).toBeNull();
		expect(await getResident(db, head2, other!)).toMatchObject({ name: 'Sekat Dua' });
		const outsider = await makeMember(db, otherRw, 'rw_admin');
		expect((await searchResidents(db, { ...outsider, rwId: rw.id }, filters())).rows).toEqual([]);
		const updated = await withUser(db, { sub: head2.id, rw_id: rw.id }, (tx) =>
			tx.query(`update resident set name = 'X' where id = $1 returning id`, [own])
		);
		expect(updated).toHaveLength(0);
	});

	it('filters by age group on the WIB calendar day', async () => {
		// 00:30 WIB on 1 December 2026, still 30 November in UTC: whoever was born on
		// 1 December turns 18 (or 60) today in Jakarta.
		fixClock('2026-11-30T17:30:00Z');
		const [child, eighteen, fiftyNine, sixty] = await addPeople([
			{ name: 'Umur Anak', birth_date: '2008-12-02' },
			{ name: 'Umur Delapanbelas', birth_date: '2008-12-01' },
			{ name: 'Umur Limapuluhsembilan', birth_date: '1966-12-02' },
			{ name: 'Umur Enampuluh', birth_date: '1966-12-01' }
		]);
		const group = async (age: string) => (await searchResidents(db, admin, filters({ q: 'umur', age }))).rows.map((r) => r.id).sort();
		expect(await group('child')).toEqual([child]);
		expect(await group('adult')).toEqual([eighteen, fiftyNine].sort());
		expect(await group('elderly')).toEqual([sixty]);
		// The same people without an age group: all four.
		expect((await searchResidents(db, admin, filters({ q: 'umur' }))).rows).toHaveLength(4);
	});

	it('reveals a full NIK only to authorised officers, and logs every reveal', async () => {
		const budi = (await db.query<{ id: string }>(`select id from resident where name = 'Budi Santoso'`))[0]!;
		const logBefore = await count('select 1 from pii_access_log');
		const shown = await revealIdentity(db, keys, head1, { residentId: budi.id, field: 'nik', reason: 'Verifikasi surat domisili', ip: '10.0.0.5' });
		expect(shown.ok && /^\d{16}$/.test(shown.value)).toBe(true);
		const log = await db.query<{ actor_id: string; reason: string; field: string }>('select actor_id, reason, field from pii_access_log order by id desc limit 1');
		expect(log[0]).toEqual({ actor_id: head1.id, reason: 'Verifikasi surat domisili', field: 'nik' });
		expect(await revealIdentity(db, keys, head2, { residentId: budi.id, field: 'nik', reason: 'ingin tahu', ip: '' })).toEqual({ ok: false, reason: 'not_found' });
		const treasurer = await makeMember(db, rw, 'treasurer');
		expect(await revealIdentity(db, keys, treasurer, { residentId: budi.id, field: 'kk', reason: 'cek', ip: '' })).toEqual({ ok: false, reason: 'forbidden' });
		expect(await count('select 1 from pii_access_log')).toBe(logBefore + 1);
	});

	it('shows a resident their own household only and takes correction requests', async () => {
		const kk = newKk();
		const row = residentRow(30, { kk, rt: '1', name: 'Dewi Warga', sex: 'P', birth_date: '1990-07-07' });
		row.values.nik = nikFor('1990-07-07', 'P');
		expect(await commitRows(db, keys, head1, [row])).toMatchObject({ ok: true });
		const dewi = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		await db.query(`update resident set user_id = $1 where name = 'Dewi Warga'`, [dewi.id]);
		const mine = await myHouseholds(db, dewi);
		expect(mine).toHaveLength(1);
		expect(mine[0]!.members.map((m) => m.name)).toEqual(['Dewi Warga']);
		// The same data as a PDF to keep: masked numbers, labels in the user's language.
		const pdf = await renderHouseholdPdf({ rwName: 'RW 001', households: mine, exportedAt: new Date('2026-11-30T03:00:00Z'), locale: 'id' });
		const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
		expect(text).toContain('Data keluarga saya');
		expect(text).toContain('Dewi Warga');
		expect(text).toContain(`NIK: ${mine[0]!.members[0]!.nik_masked}`);
		expect(text).toContain(`No. KK ${mine[0]!.kk_masked}`);
		expect(text).toContain('Jenis kelamin: Perempuan');
		expect(text).toContain('Diunduh 30 November 2026 pukul 10.00 WIB');
		expect(text).not.toContain(row.values.nik as string);
		expect(text).not.toContain(kk);
		expect((await pdfText(await renderHouseholdPdf({ rwName: null, households: mine, exportedAt: new Date(), locale: 'en' }))).replace(/\s+/g, ' ')).toContain('Sex: Female');
		const visible = await withUser(db, { sub: dewi.id, rw_id: rw.id }, (tx) => tx.query('select id from resident'));
		expect(visible).toHaveLength(1);
		expect(await requestCorrection(db, dewi, { householdId: mine[0]!.id, residentId: mine[0]!.members[0]!.id, field: 'occupation', requestedValue: 'Guru', note: '' })).toBe(true);
		const foreign = (await db.query<{ id: string }>(`select household_id as id from resident where name = 'Budi Santoso'`))[0]!;
		expect(await requestCorrection(db, dewi, { householdId: foreign.id, residentId: null, field: 'name', requestedValue: 'x', note: '' })).toBe(false);
	});

	it('finds the people of a house however its block and number are typed, within the RT head\'s own RT', async () => {
		const row = residentRow(50, { kk: newKk(), rt: '1', name: 'Penghuni Rumah Cari', block: 'c7', house_number: '21b' });
		expect(await commitRows(db, keys, head1, [row])).toMatchObject({ ok: true });
		for (const typed of ['C7 21B', 'c7-21b', 'Blok C7 No. 21b']) {
			expect((await searchResidents(db, head1, filters({ house: typed }))).rows.map((r) => r.name)).toEqual(['Penghuni Rumah Cari']);
		}
		expect((await searchResidents(db, head1, filters({ house: 'C7' }))).rows.map((r) => r.name)).toContain('Penghuni Rumah Cari');
		expect((await searchResidents(db, head1, filters({ house: 'C7 22' }))).rows).toEqual([]);
		// Another RT's head does not see it (RLS), even by its exact address.
		expect((await searchResidents(db, head2, filters({ house: 'C7 21B' }))).rows).toEqual([]);
	});

	it('finds a resident by name in their new RT after they change to a household there', async () => {
		const from = residentRow(40, { kk: newKk(), rt: '1', name: 'Pindahan Satu', relation: 'anak' });
		const to = residentRow(41, { kk: newKk(), rt: '2', name: 'Penghuni Dua' });
		expect(await commitRows(db, keys, admin, [from, to])).toMatchObject({ ok: true });
		const [mover] = await db.query<{ id: string }>(`select id from resident where name = 'Pindahan Satu'`);
		const [target] = await db.query<{ id: string }>(`select household_id as id from resident where name = 'Penghuni Dua'`);
		expect((await searchResidents(db, head1, filters({ q: 'pindahan' }))).rows.map((r) => r.name)).toEqual(['Pindahan Satu']);
		const moved = await recordMutation(db, admin, { residentId: mover!.id, kind: 'changed_household', occurredOn: '2026-09-20', note: '', toHouseholdId: target!.id });
		expect(moved.ok).toBe(true);
		expect((await searchResidents(db, head2, filters({ q: 'pindahan' }))).rows.map((r) => r.name)).toEqual(['Pindahan Satu']);
		expect((await searchResidents(db, head1, filters({ q: 'pindahan' }))).rows).toEqual([]);
	});

	it('records mutations, updates status, and counts them per RT and month', async () => {
		fixClock();
		const target = (await db.query<{ id: string }>(`select id from resident where name = 'Warga 1499'`))[0]!;
		const result = await recordMutation(db, head1, { residentId: target.id, kind: 'moved_out', occurredOn: '2026-11-02', note: 'Pindah ke Bekasi' });
		expect(result.ok).toBe(true);
		expect((await db.query<{ status: string }>('select status from resident where id = $1', [target.id]))[0]!.status).toBe('moved');
		expect(await recordMutation(db, head2, { residentId: target.id, kind: 'died', occurredOn: '2026-11-03', note: '' })).toEqual({ ok: false, reason: 'not_found' });
		expect(await mutationReport(db, admin, 2026, 11)).toEqual([{ rt_number: 1, kind: 'moved_out', count: 1 }]);
		expect(await mutationReport(db, admin, 2026, 10)).toEqual([]);
		const active = await searchResidents(db, admin, filters({ q: 'warga 1499' }));
		expect(active.rows).toEqual([]);
	});

	it('summarises the population per RT and age band', async () => {
		const stats = await demographics(db, admin);
		const living = await count(`select 1 from resident where rw_id = $1 and status in ('permanent', 'temporary')`, [rw.id]);
		expect(stats.total).toBe(living);
		expect(stats.pyramid.reduce((n, b) => n + b.L + b.P, 0)).toBe(living);
		expect(stats.byRt.map((r) => r.rt_number)).toEqual([1, 2]);
		const rt2Only = await demographics(db, head2);
		expect(rt2Only.byRt.map((r) => r.rt_number)).toEqual([2]);
	});
});

describe('houses', () => {
	it('lets an RT head set occupancy and map point of their own RT’s houses only', async () => {
		const { updateHouse, getHouse } = await import('../../src/lib/server/registry/houses');
		const own = rw.houses.find((h) => h.rtId === rw.rts[0]!.id)!;
		const other = rw.houses.find((h) => h.rtId === rw.rts[1]!.id)!;
		expect(await updateHouse(db, head1, own.id, { category: 'shop', occupancy: 'rented', lat: -6.155, lng: 106.905 })).toBe(true);
		expect(await getHouse(db, head1, own.id)).toMatchObject({ category: 'shop', occupancy: 'rented', lat: -6.155 });
		expect(await updateHouse(db, head1, other.id, { category: 'shop', occupancy: 'empty', lat: null, lng: null })).toBe(false);
		expect((await db.query<{ occupancy: string }>('select occupancy from house where id = $1', [other.id]))[0]!.occupancy).toBe('owner');
	});
});
