import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { ActionFailure } from '@sveltejs/kit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import { withUser } from '../../src/lib/server/db/with-user';
import { userDb } from '../../src/lib/server/db/user-db';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrate';
import { fromPglite, PGLITE_OPTIONS } from '../../src/lib/server/db/pglite';
import type { Database } from '../../src/lib/server/db/types';
import { commitRows } from '../../src/lib/server/registry/registration';
import { listMutations, mutationReport, recordMutation, registerResident } from '../../src/lib/server/registry/mutations';
import { setRuntime, type Runtime } from '../../src/lib/server/runtime';
import { fixClock } from '../factories/clock';
import { freshDatabase, throwawayPostgres } from '../factories/db';
import { tempFileStore } from '../factories/letters';
import { newKk, residentRow } from '../factories/registry';
import { makeMember, makeRw, makeStaff, type TestRw, type TestMember } from '../factories/tenancy';

type Member = TestMember;
const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let files: Awaited<ReturnType<typeof tempFileStore>>;
let rw: TestRw;
let admin: Member;
let head1: Member;
let head2: Member;
let line = 1000;

beforeAll(async () => {
	db = await freshDatabase();
	files = await tempFileStore();
	rw = await makeRw(db, 2, 1);
	({ admin, head1, head2 } = await makeStaff(db, rw));
	// The route modules read the database, keys and files from the process runtime.
	setRuntime({ db, pii: keys, files: files.store } as unknown as Runtime);
});
afterAll(async () => {
	await db?.close();
	await files?.cleanup();
});
// Dates below are days before the fixed now (TEST_NOW), whenever the suite runs;
// a test that needs another instant moves the clock with clockAt.
beforeEach(() => fixClock());
afterEach(() => {
	vi.useRealTimers();
});

/** A resident in their own new household, written through the import path; returns ids. */
async function addResident(user: Member, overrides: Record<string, string> = {}): Promise<{ id: string; householdId: string; kk: string }> {
	const kk = newKk();
	const row = residentRow(++line, { kk, rt: '1', name: `Warga Mutasi ${line}`, ...overrides });
	expect(await commitRows(db, keys, user, [row])).toMatchObject({ ok: true });
	const [found] = await db.query<{ id: string; household_id: string }>('select id, household_id from resident where name = $1', [row.values.name]);
	return { id: found!.id, householdId: found!.household_id, kk };
}

const died = (user: Member, residentId: string, occurredOn: string) => recordMutation(db, user, { residentId, kind: 'died', occurredOn, note: '' });
const statusOf = async (id: string) => (await db.query<{ status: string }>('select status from resident where id = $1', [id]))[0]!.status;
const mutationsOf = async (id: string) =>
	db.query<{ kind: string; occurred_on: string }>('select kind, occurred_on::text as occurred_on from mutation where resident_id = $1 order by created_at', [id]);
/** Pretends the clock reads `iso` (UTC); only Date is faked. */
const clockAt = (iso: string) => fixClock(iso);

describe('mutation rules', () => {
	it('records a death once: a second death or a move in afterwards is refused and not counted', async () => {
		const { id } = await addResident(head1);
		expect((await died(head1, id, '2026-07-05')).ok).toBe(true);
		expect(await died(head1, id, '2026-07-06')).toEqual({ ok: false, reason: 'refused', field: 'kind', message: 'mutation.rule_died' });
		expect(await recordMutation(db, admin, { residentId: id, kind: 'moved_in', occurredOn: '2026-07-07', note: '' })).toMatchObject({ reason: 'refused', message: 'mutation.rule_died' });
		expect(await statusOf(id)).toBe('died');
		expect(await mutationReport(db, admin, 2026, 7)).toEqual([{ rt_number: 1, kind: 'died', count: 1 }]);
	});

	it('after a move out allows only moving in again, never before the move out', async () => {
		const { id } = await addResident(head1);
		expect((await recordMutation(db, head1, { residentId: id, kind: 'moved_out', occurredOn: '2026-08-03', note: 'Ke Bekasi' })).ok).toBe(true);
		expect(await died(head1, id, '2026-08-04')).toMatchObject({ reason: 'refused', field: 'kind', message: 'mutation.rule_moved' });
		expect(await recordMutation(db, head1, { residentId: id, kind: 'moved_in', occurredOn: '2026-08-02', note: '' })).toMatchObject({
			reason: 'refused',
			field: 'occurredOn',
			message: 'mutation.rule_before_last'
		});
		expect((await recordMutation(db, head1, { residentId: id, kind: 'moved_in', occurredOn: '2026-08-20', note: 'Kembali' })).ok).toBe(true);
		expect(await statusOf(id)).toBe('permanent');
		// Living here again: another move in would count an arrival twice.
		expect(await recordMutation(db, head1, { residentId: id, kind: 'moved_in', occurredOn: '2026-08-21', note: '' })).toMatchObject({ message: 'mutation.rule_already_here' });
		expect(await mutationReport(db, head1, 2026, 8)).toEqual([
			{ rt_number: 1, kind: 'moved_in', count: 1 },
			{ rt_number: 1, kind: 'moved_out', count: 1 }
		]);
	});

	it('records a birth only near the birth date, never for an adult, and no date before the birth date', async () => {
		const adult = await addResident(head1, { birth_date: '1980-05-17' });
		expect(await recordMutation(db, head1, { residentId: adult.id, kind: 'born', occurredOn: '2026-09-01', note: '' })).toEqual({
			ok: false,
			reason: 'refused',
			field: 'occurredOn',
			message: 'mutation.rule_born_date'
		});
		expect(await died(head1, adult.id, '1980-05-16')).toMatchObject({ field: 'occurredOn', message: 'mutation.rule_before_birth' });
		const baby = await addResident(head1, { birth_date: '2026-09-01', relation: 'anak' });
		expect((await recordMutation(db, head1, { residentId: baby.id, kind: 'born', occurredOn: '2026-09-01', note: '' })).ok).toBe(true);
		expect(await recordMutation(db, head1, { residentId: baby.id, kind: 'born', occurredOn: '2026-09-02', note: '' })).toMatchObject({ message: 'mutation.rule_born_first' });
		expect(await mutationsOf(adult.id)).toEqual([]);
		expect(await mutationsOf(baby.id)).toEqual([{ kind: 'born', occurred_on: '2026-09-01' }]);
	});

	it('accepts today in WIB and refuses tomorrow, also when the UTC date is still yesterday', async () => {
		const { id } = await addResident(head1);
		clockAt('2026-11-30T18:30:00Z'); // 01:30 WIB on 1 December
		expect(await recordMutation(db, head1, { residentId: id, kind: 'moved_out', occurredOn: '2026-12-02', note: '' })).toMatchObject({
			field: 'occurredOn',
			message: 'mutation.rule_future'
		});
		expect((await recordMutation(db, head1, { residentId: id, kind: 'moved_out', occurredOn: '2026-12-01', note: '' })).ok).toBe(true);
	});

	it('lets only one of two deaths of the same resident pass when both are sent at once', async () => {
		const { id } = await addResident(head1);
		const results = await Promise.all([died(head1, id, '2026-10-10'), died(admin, id, '2026-10-11')]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'refused', field: 'kind', message: 'mutation.rule_died' }]);
		expect((await mutationsOf(id)).map((m) => m.kind)).toEqual(['died']);
	});

	// PGlite has one session, so only PostgreSQL can run two mutations at the same time.
	it.skipIf(!process.env.DATABASE_URL)('checks a death against the death that held the row first, when both really run at once', async () => {
		const { id } = await addResident(head1);
		const waiting = async () =>
			(await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`))[0]!.n;
		let racing: Promise<Awaited<ReturnType<typeof died>>[]> | undefined;
		await db.transaction(async (tx) => {
			// Hold the resident's row, start both deaths and let them queue behind it; they
			// then race for it. Without the lock in recordMutation both would have passed
			// their check before waiting (at their status update).
			await tx.query('select 1 from resident where id = $1 for update', [id]);
			racing = Promise.all([died(head1, id, '2026-10-12'), died(admin, id, '2026-10-13')]);
			await vi.waitFor(async () => expect(await waiting()).toBe(2), { timeout: 10_000, interval: 10 });
		});
		const results = await racing!;
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect((await mutationsOf(id)).map((m) => m.kind)).toEqual(['died']);
	});
});

describe('changes of household', () => {
	it('count under both RTs and are seen by both RT heads, each seeing only their own RT’s count', async () => {
		const mover = await addResident(admin, { rt: '1', relation: 'anak' });
		const target = await addResident(admin, { rt: '2' });
		expect(await recordMutation(db, admin, { residentId: mover.id, kind: 'changed_household', occurredOn: '2026-06-10', note: '', toHouseholdId: target.householdId })).toMatchObject({ ok: true });
		expect(await mutationReport(db, admin, 2026, 6)).toEqual([
			{ rt_number: 1, kind: 'changed_household_out', count: 1 },
			{ rt_number: 2, kind: 'changed_household_in', count: 1 }
		]);
		expect(await mutationReport(db, head1, 2026, 6)).toEqual([{ rt_number: 1, kind: 'changed_household_out', count: 1 }]);
		expect(await mutationReport(db, head2, 2026, 6)).toEqual([{ rt_number: 2, kind: 'changed_household_in', count: 1 }]);
		// The new RT's head sees the resident's history; the old RT's head still sees the event.
		expect(await listMutations(db, head2, mover.id)).toEqual([expect.objectContaining({ kind: 'changed_household', occurred_on: '2026-06-10' })]);
		const seenBy = (user: Member) =>
			withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) => tx.query('select 1 from mutation where resident_id = $1', [mover.id]));
		expect(await seenBy(head1)).toHaveLength(1);
		const head3 = await makeMember(db, rw, 'rt_head', { rtIndex: 1, name: 'Ketua RT lain' });
		expect(await seenBy(head3)).toHaveLength(1); // also an RT 2 head: the move touches their RT
	});

	it('within one RT counts once, and refuses a change to the same household', async () => {
		const mover = await addResident(head1, { relation: 'anak' });
		const target = await addResident(head1);
		expect(await recordMutation(db, head1, { residentId: mover.id, kind: 'changed_household', occurredOn: '2026-04-10', note: '', toHouseholdId: mover.householdId })).toEqual({
			ok: false,
			reason: 'refused',
			field: 'toKk',
			message: 'mutation.rule_same_household'
		});
		expect((await recordMutation(db, head1, { residentId: mover.id, kind: 'changed_household', occurredOn: '2026-04-10', note: '', toHouseholdId: target.householdId })).ok).toBe(true);
		expect(await mutationReport(db, admin, 2026, 4)).toEqual([{ rt_number: 1, kind: 'changed_household', count: 1 }]);
	});

	it('cannot be written by an RT head into another RT (RLS), and the target RT is the household’s, not the caller’s', async () => {
		const mover = await addResident(admin, { rt: '1' });
		const target = await addResident(admin, { rt: '2' });
		const insert = (toRt: string | null) =>
			withUser(db, { sub: head1.id, rw_id: head1.rwId }, (tx) =>
				tx.query(
					`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, to_household_id, to_rt_id, recorded_by)
					 values ($1, $2, $3, 'changed_household', '2026-03-01', $4, $5, $6)`,
					[rw.id, rw.rts[0]!.id, mover.id, target.householdId, toRt, head1.id]
				)
			);
		// Claiming the change stays in RT 1 does not help: the trigger takes the household's RT.
		await expect(insert(rw.rts[0]!.id)).rejects.toThrow(/row-level security/);
		await expect(insert(null)).rejects.toThrow(/row-level security/);
	});

	it('cannot be filed by an RT head about another RT\'s resident under their own RT (RLS)', async () => {
		const stranger = await addResident(admin, { rt: '2' });
		const file = (user: Member, rtId: string) =>
			withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) =>
				tx.query(
					`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, recorded_by)
					 values ($1, $2, $3, 'died', '2026-03-01', $4) returning id`,
					[rw.id, rtId, stranger.id, user.id]
				)
			);
		await expect(file(head1, rw.rts[0]!.id)).rejects.toThrow(/row-level security/);
		expect(await db.query('select 1 from mutation where resident_id = $1', [stranger.id])).toEqual([]);
		// The head of the resident's own RT may.
		expect(await file(head2, rw.rts[1]!.id)).toHaveLength(1);
	});
});

describe('adding a person records how they arrived', () => {
	const formRow = (overrides: Record<string, string>) => residentRow(++line, { kk: newKk(), rt: '1', name: `Warga Baru ${line}`, ...overrides }).values;
	const residentsNamed = (name: string | undefined) => db.query<{ id: string }>('select id from resident where name = $1', [name]);

	it('a move in, in the same transaction, counted in that month', async () => {
		const values = formRow({ arrival: 'moved_in', arrival_date: '12-05-2026' });
		expect(await registerResident(db, keys, head1, values)).toMatchObject({ ok: true });
		const [added] = await residentsNamed(values.name);
		expect(await mutationsOf(added!.id)).toEqual([{ kind: 'moved_in', occurred_on: '2026-05-12' }]);
		expect(await mutationReport(db, head1, 2026, 5)).toEqual([{ rt_number: 1, kind: 'moved_in', count: 1 }]);
	});

	it('a birth on the birth date when no other date is typed; none for someone already living here (the default)', async () => {
		const baby = formRow({ arrival: 'born', birth_date: '2026-11-20', relation: 'anak' });
		expect(await registerResident(db, keys, head1, baby)).toMatchObject({ ok: true });
		expect(await mutationsOf((await residentsNamed(baby.name))[0]!.id)).toEqual([{ kind: 'born', occurred_on: '2026-11-20' }]);
		const settled = formRow({});
		expect(await registerResident(db, keys, head1, settled)).toMatchObject({ ok: true });
		expect(await mutationsOf((await residentsNamed(settled.name))[0]!.id)).toEqual([]);
	});

	it('refuses a birth for an adult and a move in without a date, writing nothing, with the other fields’ errors too', async () => {
		const adult = formRow({ arrival: 'born', arrival_date: '2026-11-20', birth_date: '1980-05-17' });
		expect(await registerResident(db, keys, head1, adult)).toEqual({ ok: false, errors: [{ line: 1, field: 'arrival_date', message: 'mutation.rule_born_date' }] });
		const undated = formRow({ arrival: 'moved_in', rt: '2' });
		expect(await registerResident(db, keys, head1, undated)).toEqual({
			ok: false,
			errors: [
				{ line: 1, field: 'arrival_date', message: 'errors.required' },
				{ line: 1, field: 'rt', message: 'errors.rt_not_yours' }
			]
		});
		const departed = formRow({ arrival: 'moved_in', arrival_date: '2026-11-01', status: 'Pindah' });
		expect(await registerResident(db, keys, head1, departed)).toMatchObject({ ok: false, errors: [{ field: 'status', message: 'mutation.rule_arrival_status' }] });
		for (const row of [adult, undated, departed]) expect(await residentsNamed(row.name)).toEqual([]);
	});

	it('writes neither the person nor the arrival when the arrival cannot be written', async () => {
		// A constraint only this test has makes the mutation insert fail after the resident's.
		await db.query(`alter table mutation add constraint test_no_arrival check (occurred_on <> '2026-05-13')`);
		try {
			const values = formRow({ arrival: 'moved_in', arrival_date: '2026-05-13' });
			await expect(registerResident(db, keys, head1, values)).rejects.toThrow(/test_no_arrival/);
			expect(await residentsNamed(values.name)).toEqual([]);
		} finally {
			await db.query('alter table mutation drop constraint test_no_arrival');
		}
	});
});

describe('houses', () => {
	const housesAt = (block: string, number: string) =>
		db.query<{ id: string; block: string; number: string }>('select id, block, number from house where rt_id = $1 and upper(block) = $2 and upper(number) = $3', [
			rw.rts[0]!.id,
			block,
			number
		]);

	it('are one house however block and number are typed', async () => {
		const first = await addResident(head1, { block: 'c7', house_number: '21b' });
		const second = await addResident(head1, { block: ' C7', house_number: '21B ' });
		const houses = await housesAt('C7', '21B');
		expect(houses).toEqual([expect.objectContaining({ block: 'C7', number: '21B' })]);
		const [a, b] = await db.query<{ house_id: string }>('select house_id from household where id = any ($1::uuid[]) order by created_at', [[first.householdId, second.householdId]]);
		expect([a!.house_id, b!.house_id]).toEqual([houses[0]!.id, houses[0]!.id]);
	});

	it('are stored normalised: the database refuses a block in lower case', async () => {
		await expect(db.query(`insert into house (rw_id, rt_id, block, number) values ($1, $2, 'c8', '1')`, [rw.id, rw.rts[0]!.id])).rejects.toThrow(/house_block_normalised/);
		await expect(db.query(`insert into house (rw_id, rt_id, block, number) values ($1, $2, 'C8', '1a')`, [rw.id, rw.rts[0]!.id])).rejects.toThrow(/house_number_normalised/);
	});
});

/** A database with no migrations applied (PGlite in this thread, or a new PostgreSQL database). */
async function unmigratedDatabase(): Promise<Database> {
	const url = process.env.DATABASE_URL;
	if (!url) return fromPglite(await PGlite.create(PGLITE_OPTIONS));
	return throwawayPostgres(url, null, { max: 1 });
}

describe('migration 20261201000100_registry_rules', () => {
	it('merges houses that differ only by case or spaces, repointing households, members, invites and residents’ labels', async () => {
		const RULES = '20261201000100';
		const migrations = await loadMigrations(path.resolve('supabase/migrations'));
		const old = await unmigratedDatabase();
		try {
			await migrate(old, migrations.filter((m) => m.version < RULES));
			const one = async <T>(sql: string, params: unknown[] = []) => (await old.query<T>(sql, params))[0]!;
			const { id: rwId } = await one<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ('RW901', 'RW Lama', 'Test', 'Jakarta') returning id`);
			const { id: rt1 } = await one<{ id: string }>(`insert into rt (rw_id, number, name) values ($1, 1, 'RT 001') returning id`, [rwId]);
			const { id: rt2 } = await one<{ id: string }>(`insert into rt (rw_id, number, name) values ($1, 2, 'RT 002') returning id`, [rwId]);
			const house = async (rt: string, block: string, number: string, createdAt: string, lat: number | null = null) =>
				(await one<{ id: string }>(
					`insert into house (rw_id, rt_id, block, number, created_at, lat, lng) values ($1, $2, $3, $4, $5, $6, $6) returning id`,
					[rwId, rt, block, number, createdAt, lat]
				)).id;
			const kept = await house(rt1, 'c7', '21b', '2026-01-01T00:00:00Z');
			const upper = await house(rt1, 'C7', '21B', '2026-02-01T00:00:00Z', -6.15);
			const spaced = await house(rt1, ' C7', '21B ', '2026-03-01T00:00:00Z');
			const otherNumber = await house(rt1, 'C7', '21', '2026-03-01T00:00:00Z');
			const otherRt = await house(rt2, 'c7', '21B', '2026-03-01T00:00:00Z');
			const { id: userId } = await one<{ id: string }>(`insert into app_user (phone, name, password_hash) values ('+6281390000001', 'Warga Lama', 'x') returning id`);
			await old.query(`insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, 'resident', $3, $4)`, [userId, rwId, rt1, upper]);
			await old.query(
				`insert into invite (rw_id, code_hash, code_hint, role, rt_id, house_id, created_by, expires_at) values ($1, 'h', 'AB', 'resident', $2, $3, $4, now() + interval '1 day')`,
				[rwId, rt1, spaced, userId]
			);
			const household = async (houseId: string, kk: string) =>
				(await one<{ id: string }>(
					`insert into household (rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked) values ($1, $2, $3, 'enc', $4, 'mask') returning id`,
					[rwId, rt1, houseId, kk]
				)).id;
			const inUpper = await household(upper, 'kk-1');
			const inSpaced = await household(spaced, 'kk-2');
			const inOtherRt = await household(otherRt, 'kk-3');
			const { id: residentId } = await one<{ id: string }>(
				`insert into resident (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_date, sex, relation)
				 values ($1, $2, $3, 'enc', 'nik-1', 'mask', '0001', 'Penghuni Lama', '1980-01-01', 'L', 'kepala_keluarga') returning id`,
				[rwId, rt1, inUpper]
			);
			await old.query(
				`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, from_household_id, to_household_id, recorded_by)
				 values ($1, $2, $3, 'changed_household', '2026-01-05', $4, $5, $6)`,
				[rwId, rt1, residentId, inUpper, inOtherRt, userId]
			);

			// Correction requests stored before it with a full NIK in clear.
			await old.query(
				`insert into correction_request (rw_id, rt_id, household_id, resident_id, requested_by, field, requested_value, note)
				 values ($1, $2, $3, $4, $5, 'nik', '3172 0601 0180 0009', ''), ($1, $2, $3, $4, $5, 'kk', '0009', ''),
				        ($1, $2, $3, $4, $5, 'occupation', 'Guru 1234567890123456', '')`,
				[rwId, rt1, inUpper, residentId, userId]
			);

			// Only this migration: later ones are not what is tested, and each costs time here.
			await migrate(old, migrations.filter((m) => m.version <= RULES));

			expect(await old.query('select field, requested_value from correction_request where rw_id = $1 order by field', [rwId])).toEqual([
				{ field: 'kk', requested_value: '••••' },
				{ field: 'nik', requested_value: '3172••••••••0009' },
				{ field: 'occupation', requested_value: 'Guru 1234567890123456' }
			]);
			const houses = await old.query<{ id: string; rt_id: string; block: string; number: string; lat: number | null }>(
				'select id, rt_id, block, number, lat from house where rw_id = $1 order by rt_id = $2 desc, number desc',
				[rwId, rt1]
			);
			expect(houses).toEqual([
				{ id: kept, rt_id: rt1, block: 'C7', number: '21B', lat: -6.15 },
				{ id: otherNumber, rt_id: rt1, block: 'C7', number: '21', lat: null },
				{ id: otherRt, rt_id: rt2, block: 'C7', number: '21B', lat: null }
			]);
			const pointing = await old.query<{ house_id: string }>(
				`select house_id from household where id = any ($1::uuid[])
				 union all select house_id from membership where user_id = $2
				 union all select house_id from invite where created_by = $2`,
				[[inUpper, inSpaced], userId]
			);
			expect(pointing.map((p) => p.house_id)).toEqual([kept, kept, kept, kept]);
			expect(await one('select house_block, house_number from resident where id = $1', [residentId])).toEqual({ house_block: 'C7', house_number: '21B' });
			expect(await one('select to_rt_id from mutation where resident_id = $1', [residentId])).toEqual({ to_rt_id: rt2 });
		} finally {
			await old.close();
		}
	});
});

describe('registry routes', () => {
	const form = (fields: Record<string, string>) => {
		const data = new FormData();
		for (const [k, v] of Object.entries(fields)) data.set(k, v);
		return data;
	};
	const event = (user: Member, params: Record<string, string>, fields: Record<string, string> = {}) =>
		({
			locals: { user, db: userDb(db, user) },
			params,
			request: new Request('http://rukun.test/registry', { method: 'POST', body: form(fields) }),
			getClientAddress: () => '127.0.0.1'
		}) as never;

	it('shows a refused mutation as an error on its field', async () => {
		const { actions } = await import('../../src/routes/registry/[id=uuid]/+page.server');
		const { id } = await addResident(head1);
		expect(await actions.mutation!(event(head1, { id }, { kind: 'died', occurredOn: '2026-11-01', note: '' }))).toEqual({ form: 'mutation', done: 'mutation.saved' });
		const again = (await actions.mutation!(event(head1, { id }, { kind: 'died', occurredOn: '2026-11-02', note: '' }))) as ActionFailure<{ form: string; errors: Record<string, string> }>;
		expect(again.status).toBe(400);
		expect(again.data).toMatchObject({ form: 'mutation', errors: { kind: 'mutation.rule_died' } });
	});

	it('give the mutation form today in WIB as its latest date, and name the export after the WIB day', async () => {
		const resident = await import('../../src/routes/registry/[id=uuid]/+page.server');
		const exporter = await import('../../src/routes/registry/export/+server');
		const { id } = await addResident(head1);
		clockAt('2026-11-30T17:30:00Z'); // 00:30 WIB on 1 December, still 30 November in UTC
		expect(await resident.load(event(head1, { id }))).toMatchObject({ today: '2026-12-01' });
		const response = await exporter.POST(event(admin, {}, { reason: 'Rapat bulanan' }));
		expect(response.headers.get('content-disposition')).toBe(`attachment; filename="data-warga-${rw.code}-2026-12-01.xlsx"`);
	});
});
