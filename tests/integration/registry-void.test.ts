import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import { commitRows } from '../../src/lib/server/registry/registration';
import { listMutations, mutationReport, recordMutation } from '../../src/lib/server/registry/mutations';
import { voidMutation } from '../../src/lib/server/registry/mutation-void';
import { updateResident } from '../../src/lib/server/registry/resident-edit';
import { freshDatabase } from '../factories/db';
import { newKk, residentRow } from '../factories/registry';
import { makeRw, makeStaff, type TestRw, type TestMember } from '../factories/tenancy';

/** Voiding a wrong mutation: kept with who/when/why, counted nowhere, the status follows what remains. */

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
	({ admin, head1, head2 } = await makeStaff(db, rw, { admin: 'Admin RW', head1: 'Ketua RT 1' }));
});
afterAll(async () => db?.close());

/** Residents of one new household in RT 1 (the first is its head); returns their ids and the household. */
async function household(count = 1, overrides: Record<string, string> = {}): Promise<{ ids: string[]; householdId: string; kk: string }> {
	const kk = newKk();
	const rows = Array.from({ length: count }, (_, i) =>
		residentRow(++line, { kk, rt: '1', house_number: `V${line - i}`, name: `Warga Batal ${line}`, relation: i === 0 ? 'Kepala Keluarga' : 'Anak', ...overrides })
	);
	const house = rows[0]!.values.house_number!;
	for (const row of rows) row.values.house_number = house;
	expect(await commitRows(db, keys, admin, rows)).toMatchObject({ ok: true });
	const found = await db.query<{ id: string; household_id: string }>('select id, household_id from resident where name = any ($1) order by name', [rows.map((r) => r.values.name)]);
	return { ids: found.map((f) => f.id), householdId: found[0]!.household_id, kk };
}

const record = async (user: Member, residentId: string, kind: 'died' | 'moved_out' | 'moved_in' | 'changed_household', occurredOn: string, toHouseholdId?: string) => {
	const result = await recordMutation(db, user, { residentId, kind, occurredOn, note: '', toHouseholdId });
	if (!result.ok) throw new Error(JSON.stringify(result));
	return result.id;
};
const statusOf = async (id: string) => (await db.query<{ status: string; household_id: string }>('select status, household_id from resident where id = $1', [id]))[0]!;
const diedIn = async (user: Member, month: number) =>
	(await mutationReport(db, user, 2026, month)).filter((r) => r.kind === 'died').reduce((n, r) => n + r.count, 0);

describe('voiding a mutation', () => {
	it('keeps the voided death with who, when and why, gives the resident back their status, and counts it nowhere', async () => {
		const { ids } = await household();
		const id = ids[0]!;
		const before = await diedIn(admin, 10);
		const death = await record(head1, id, 'died', '2026-10-05');
		expect((await statusOf(id)).status).toBe('died');
		expect(await diedIn(admin, 10)).toBe(before + 1);

		expect(await voidMutation(db, head1, { residentId: id, mutationId: death, reason: 'Salah orang: yang meninggal tetangganya' })).toEqual({ ok: true });
		expect((await statusOf(id)).status).toBe('permanent');
		expect(await diedIn(admin, 10)).toBe(before);
		expect(await diedIn(head1, 10)).toBe(before);
		const [entry] = await listMutations(db, admin, id);
		expect(entry).toMatchObject({ id: death, kind: 'died', void_reason: 'Salah orang: yang meninggal tetangganya', voided_by_name: 'Ketua RT 1' });
		expect(entry!.voided_at).not.toBeNull();
		const [audit] = await db.query<{ detail: Record<string, unknown> }>(`select detail from audit_log where action = 'registry.mutation.void' and target = $1`, [id]);
		expect(audit!.detail).toEqual({ mutation: death, kind: 'died' });

		// The rules of the next event see only what stands: a move out before the voided death is fine.
		await record(admin, id, 'moved_out', '2026-10-01');
		expect((await statusOf(id)).status).toBe('moved');
		// Voided twice is refused, and so is voiding anything but the latest standing event.
		expect(await voidMutation(db, admin, { residentId: id, mutationId: death, reason: 'lagi' })).toMatchObject({ ok: false, reason: 'refused', message: 'mutation.void_not_latest' });
	});

	it('voids only the latest standing event, back to the status before each', async () => {
		const { ids } = await household(1, { status: 'Sementara' });
		const id = ids[0]!;
		const out = await record(admin, id, 'moved_out', '2026-09-01');
		const back = await record(admin, id, 'moved_in', '2026-09-20');
		expect((await statusOf(id)).status).toBe('permanent');
		expect(await voidMutation(db, admin, { residentId: id, mutationId: out, reason: 'Tidak pernah pindah' })).toMatchObject({ ok: false, message: 'mutation.void_not_latest' });
		expect(await voidMutation(db, admin, { residentId: id, mutationId: back, reason: 'Belum kembali' })).toEqual({ ok: true });
		expect((await statusOf(id)).status).toBe('moved');
		expect(await voidMutation(db, admin, { residentId: id, mutationId: out, reason: 'Tidak pernah pindah' })).toEqual({ ok: true });
		// A temporary resident stays temporary: the status before the event was kept.
		expect((await statusOf(id)).status).toBe('temporary');
		expect((await listMutations(db, admin, id)).every((m) => m.voided_at !== null)).toBe(true);
	});

	it('puts a change of household back, unless that KK has a head again', async () => {
		const from = await household(2);
		const to = await household(1);
		const child = from.ids[1]!;
		const moved = await record(admin, child, 'changed_household', '2026-08-01', to.householdId);
		expect((await statusOf(child)).household_id).toBe(to.householdId);
		expect(await voidMutation(db, admin, { residentId: child, mutationId: moved, reason: 'KK tujuan salah' })).toEqual({ ok: true });
		expect((await statusOf(child)).household_id).toBe(from.householdId);

		// A head whose death is voided may not make the KK two-headed: someone took over meanwhile.
		const [headId, heirId] = from.ids as [string, string];
		const death = await record(admin, headId, 'died', '2026-08-10');
		const heir = await updateResident(db, keys, admin, heirId, { name: 'Warga Pewaris', birth_date: '1980-05-17', sex: 'L', relation: 'kepala_keluarga' });
		expect(heir).toMatchObject({ ok: true });
		expect(await voidMutation(db, admin, { residentId: headId, mutationId: death, reason: 'Salah catat' })).toEqual({ ok: false, reason: 'refused', message: 'errors.head_exists' });
		expect((await statusOf(headId)).status).toBe('died');
	});

	it('is the RW admin’s or the RT head’s of that RT: another RT head is refused, by the service and by SQL', async () => {
		const { ids } = await household();
		const id = ids[0]!;
		const death = await record(admin, id, 'died', '2026-07-01');
		expect(await voidMutation(db, head2, { residentId: id, mutationId: death, reason: 'Bukan wewenang' })).toEqual({ ok: false, reason: 'not_found' });
		const asHead2 = await withUser(db, { sub: head2.id, rw_id: rw.id }, (tx) =>
			tx.query(`update mutation set voided_at = now(), voided_by = $2, void_reason = 'lewat API' where id = $1 returning id`, [death, head2.id])
		);
		expect(asHead2).toEqual([]);
		// Even the RT head of that RT may write only the void columns, once, in their own name.
		const claims = { sub: head1.id, rw_id: rw.id };
		await expect(withUser(db, claims, (tx) => tx.query(`update mutation set occurred_on = '2026-07-02' where id = $1`, [death]))).rejects.toThrow(/permission denied/);
		await expect(withUser(db, claims, (tx) => tx.query(`update mutation set voided_at = now(), voided_by = $2, void_reason = 'atas nama orang lain' where id = $1`, [death, admin.id]))).rejects.toThrow(/row-level security/);
		expect(await voidMutation(db, head1, { residentId: id, mutationId: death, reason: 'Salah catat' })).toEqual({ ok: true });
		await expect(withUser(db, claims, (tx) => tx.query(`update mutation set voided_at = null, voided_by = null, void_reason = null where id = $1`, [death]))).resolves.toEqual([]);
		expect((await listMutations(db, admin, id))[0]!.voided_at).not.toBeNull();
	});
});
