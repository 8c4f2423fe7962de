import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { withUser } from '../../src/lib/server/db/with-user';
import { LocalFileStore } from '../../src/lib/server/storage/files';
import { generateAllRws, generateMonth } from '../../src/lib/server/dues/generate';
import { recordCash, voidPaymentAs } from '../../src/lib/server/dues/payments';
import { approveProof, rejectProof, submitProof } from '../../src/lib/server/dues/proofs';
import { addExemption, addTariff } from '../../src/lib/server/dues/setup';
import { freshDatabase } from '../factories/db';
import { TEST_NOW } from '../factories/clock';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * Dues on the database: idempotent generation with frozen amounts, payments allocated
 * oldest-first with credit, voids that reverse, proofs (refusals write nothing; two
 * treasurers approving at once make one payment, raced on PostgreSQL), RLS across RWs,
 * and the rollups the dashboards read agreeing with the invoices.
 */

let db: Database;
let dir: string;
let store: LocalFileStore;
let rw: TestRw;
let other: TestRw;
type Member = Awaited<ReturnType<typeof makeMember>>;
let treasurer: Member;
let treasurer2: Member;
let otherTreasurer: Member;
let resident: Member;
const NOV = '2026-11-01';
const DEC = '2026-12-01';

const photo = (seed: number) => sharp({ create: { width: 40 + seed, height: 30, channels: 3, background: `#${String(seed).padStart(6, '0')}` } }).png().toBuffer();
const invoices = (houseId: string) =>
	db.query<{ month: string; amount: string; paid: string }>('select month::text as month, amount::text, paid::text from dues_invoice where house_id = $1 order by month', [houseId]);
const count = async (table: string, where = 'true', params: unknown[] = []) => (await db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params))[0]!.n;

beforeAll(async () => {
	db = await freshDatabase({ max: 6 });
	dir = await mkdtemp(path.join(os.tmpdir(), 'dues-'));
	store = new LocalFileStore(dir);
	rw = await makeRw(db, 2, 3);
	other = await makeRw(db, 1, 2);
	treasurer = await makeMember(db, rw, 'treasurer');
	treasurer2 = await makeMember(db, rw, 'treasurer');
	otherTreasurer = await makeMember(db, other, 'treasurer');
	resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
	await db.query(`update house set category = 'shop' where id = $1`, [rw.houses[1]!.id]);
	expect(await addTariff(db, treasurer, { category: 'house', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 25_000 }] })).toEqual({ ok: true });
	expect(await addTariff(db, treasurer, { category: 'shop', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 150_000 }] })).toEqual({ ok: true });
	// RT 2 pays more for security.
	expect(await addTariff(db, treasurer, { category: 'house', rtId: rw.rts[1]!.id, validFrom: '2026-06-01', components: [{ name: 'keamanan', amount: 80_000 }] })).toEqual({ ok: true });
	expect(await addExemption(db, treasurer, { houseId: rw.houses[2]!.id, fromMonth: '2026-01-01', reason: 'Rumah janda lansia' })).toEqual({ ok: true });
	expect(await addTariff(db, otherTreasurer, { category: 'house', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 10_000 }] })).toEqual({ ok: true });
});
afterAll(async () => {
	await db?.close();
	if (dir) await rm(dir, { recursive: true, force: true });
});

describe('invoice generation', () => {
	it('makes one invoice per house and month with the tariff frozen, and nothing the second time', async () => {
		expect(await generateMonth(db, treasurer, NOV, TEST_NOW)).toEqual({ ok: true, created: 5 });
		expect(await generateMonth(db, treasurer, NOV, TEST_NOW)).toEqual({ ok: true, created: 0 });
		expect(await generateAllRws(db, TEST_NOW)).toBe(5 + 2);
		expect(await generateAllRws(db, TEST_NOW)).toBe(0);
		const rows = await db.query<{ house_id: string; amount: string; due_on: string; components: unknown }>(
			`select house_id, amount::text, due_on::text, components from dues_invoice where rw_id = $1 and month = $2`,
			[rw.id, DEC]
		);
		const by = new Map(rows.map((r) => [r.house_id, r]));
		expect(by.get(rw.houses[0]!.id)).toMatchObject({ amount: '75000', due_on: '2026-12-10' });
		expect(by.get(rw.houses[1]!.id)).toMatchObject({ amount: '150000' });
		expect(by.has(rw.houses[2]!.id)).toBe(false); // exempt
		expect(by.get(rw.houses[3]!.id)).toMatchObject({ amount: '80000', components: [{ name: 'keamanan', amount: 80_000 }] });
	});

	it('keeps issued invoices when the tariff changes', async () => {
		expect(await addTariff(db, treasurer, { category: 'house', rtId: null, validFrom: '2027-01-01', components: [{ name: 'keamanan', amount: 99_000 }] })).toEqual({ ok: true });
		expect((await invoices(rw.houses[0]!.id)).map((i) => i.amount)).toEqual(['75000', '75000']);
	});

	it('refuses a future month and another role', async () => {
		expect(await generateMonth(db, treasurer, '2027-01-01', TEST_NOW)).toEqual({ ok: false, reason: 'future' });
		expect(await generateMonth(db, resident, NOV, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
	});
});

describe('payments', () => {
	it('allocates oldest-first, partially, and refuses more than is owed without a credit decision (nothing written)', async () => {
		const house = rw.houses[0]!.id;
		const before = await count('dues_payment');
		const audits = await count('audit_log', `action like 'dues.%'`);
		expect(await recordCash(db, treasurer, { houseId: house, amount: 200_000, allowCredit: false }, TEST_NOW)).toEqual({ ok: false, reason: 'over_owed', owed: 150_000 });
		expect(await count('dues_payment')).toBe(before);
		expect(await count('audit_log', `action like 'dues.%'`)).toBe(audits);
		const paid = await recordCash(db, treasurer, { houseId: house, amount: 100_000, allowCredit: false }, TEST_NOW);
		expect(paid).toMatchObject({ ok: true, value: { allocated: 100_000, credit: 0, receiptNumber: `KW-0001/${rw.code}/2026` } });
		expect((await invoices(house)).map((i) => [i.month, i.paid])).toEqual([
			[NOV, '75000'],
			[DEC, '25000']
		]);
		const [status] = await db.query<{ open_amount: string; open_months: number; oldest_open: string }>(
			'select open_amount::text, open_months, oldest_open::text from dues_house_status where house_id = $1',
			[house]
		);
		expect(status).toEqual({ open_amount: '50000', open_months: 1, oldest_open: DEC });
		expect(await count('audit_log', `action = 'dues.payment'`)).toBeGreaterThan(0);
	});

	it('keeps what is over as credit when told to, and spends it on the next month', async () => {
		const house = rw.houses[3]!.id; // 80,000 a month in RT 2, Nov and Dec open
		const paid = await recordCash(db, treasurer, { houseId: house, amount: 200_000, allowCredit: true }, TEST_NOW);
		expect(paid).toMatchObject({ ok: true, value: { allocated: 160_000, credit: 40_000 } });
		await db.query(`insert into dues_invoice (rw_id, rt_id, house_id, month, components, amount, due_on) values ($1, $2, $3, '2026-10-01', '[{"name":"keamanan","amount":30000}]', 30000, '2026-10-10')`, [
			rw.id,
			rw.rts[1]!.id,
			house
		]);
		// A generation run spends credit on what is open.
		await generateMonth(db, treasurer, DEC, TEST_NOW);
		expect((await invoices(house)).map((i) => i.paid)).toEqual(['30000', '80000', '80000']);
		const [status] = await db.query<{ credit: string }>('select credit::text from dues_house_status where house_id = $1', [house]);
		expect(status!.credit).toBe('10000');
	});

	it('voids a payment with who, when and why, and reverses its allocation', async () => {
		const house = rw.houses[4]!.id;
		const paid = await recordCash(db, treasurer, { houseId: house, amount: 80_000, allowCredit: false }, TEST_NOW);
		if (!paid.ok) throw new Error(paid.reason);
		expect((await invoices(house)).map((i) => i.paid)).toEqual(['80000', '0']);
		expect(await voidPaymentAs(db, treasurer, { paymentId: paid.value.paymentId, reason: 'Salah rumah' }, TEST_NOW)).toEqual({ ok: true, value: null });
		expect((await invoices(house)).map((i) => i.paid)).toEqual(['0', '0']);
		const [row] = await db.query<{ voided_by: string; void_reason: string }>('select voided_by, void_reason from dues_payment where id = $1', [paid.value.paymentId]);
		expect(row).toEqual({ voided_by: treasurer.id, void_reason: 'Salah rumah' });
		expect(await count('dues_allocation', 'payment_id = $1 and reversed_at is null', [paid.value.paymentId])).toBe(0);
		expect(await voidPaymentAs(db, treasurer, { paymentId: paid.value.paymentId, reason: 'lagi' }, TEST_NOW)).toEqual({ ok: false, reason: 'not_found' });
		expect(await count('audit_log', `action = 'dues.payment_void' and target = $1`, [paid.value.paymentId])).toBe(1);
	});

	it('refuses a treasurer of another RW and a house of another RW', async () => {
		expect(await recordCash(db, otherTreasurer, { houseId: rw.houses[0]!.id, amount: 10_000, allowCredit: false }, TEST_NOW)).toEqual({ ok: false, reason: 'house_not_found' });
		expect(await recordCash(db, resident, { houseId: rw.houses[0]!.id, amount: 10_000, allowCredit: false }, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
		// RLS as the last guard: plain SQL as the other RW's treasurer finds and changes nothing.
		const seen = await withUser(db, { sub: otherTreasurer.id, rw_id: other.id }, (tx) => tx.query('select id from dues_invoice where rw_id = $1', [rw.id]));
		expect(seen).toEqual([]);
		await expect(
			withUser(db, { sub: otherTreasurer.id, rw_id: other.id }, (tx) =>
				tx.query(`insert into dues_payment (rw_id, house_id, method, amount, unallocated, received_on, receipt_number, verify_token, recorded_by) values ($1, $2, 'cash', 1, 0, '2026-12-01', 'x', 'aaaaaaaaaaaaaaaaaaaaaaaa', $3)`, [
					rw.id,
					rw.houses[0]!.id,
					otherTreasurer.id
				])
			)
		).rejects.toThrow(/row-level security/);
		// A resident sees their own house's invoices only.
		const mine = await withUser(db, { sub: resident.id, rw_id: rw.id }, (tx) => tx.query<{ house_id: string }>('select distinct house_id from dues_invoice'));
		expect(mine).toEqual([{ house_id: rw.houses[0]!.id }]);
	});
});

describe('proofs', () => {
	it('refuses what is not an image, a house that is not theirs and the same photo twice, writing nothing', async () => {
		const house = rw.houses[0]!.id;
		const input = { houseId: house, method: 'transfer' as const, amount: 50_000, months: 1 };
		const before = await count('dues_proof');
		expect(await submitProof(db, resident, store, input, { bytes: new TextEncoder().encode('not a photo'), name: 'bukti.jpg' })).toEqual({ ok: false, reason: 'upload', problem: 'upload.unsupported' });
		expect(await submitProof(db, resident, store, { ...input, houseId: rw.houses[1]!.id }, { bytes: await photo(1), name: 'b.png' })).toEqual({ ok: false, reason: 'not_your_house' });
		expect(await count('dues_proof')).toBe(before);
		const bytes = await photo(2);
		expect(await submitProof(db, resident, store, input, { bytes, name: 'b.png' })).toMatchObject({ ok: true });
		expect(await submitProof(db, resident, store, input, { bytes, name: 'lagi.png' })).toEqual({ ok: false, reason: 'duplicate' });
		expect(await count('dues_proof')).toBe(before + 1);
	});

	it('approves into one payment and tells the resident; a rejected proof needs a reason', async () => {
		const submitted = await submitProof(db, resident, store, { houseId: rw.houses[0]!.id, method: 'qris', amount: 25_000, months: 1 }, { bytes: await photo(3), name: 'q.png' });
		if (!submitted.ok) throw new Error(submitted.reason);
		const rejected = await rejectProof(db, treasurer, { proofId: submitted.proofId, reason: 'Nominal tidak terbaca' }, TEST_NOW);
		expect(rejected).toEqual({ ok: true, value: null });
		expect(await approveProof(db, treasurer, { proofId: submitted.proofId, allowCredit: false }, TEST_NOW)).toEqual({ ok: false, reason: 'already_decided' });
		const [first] = await db.query<{ id: string }>(`select id from dues_proof where house_id = $1 and status = 'submitted'`, [rw.houses[0]!.id]);
		const approved = await approveProof(db, treasurer, { proofId: first!.id, allowCredit: false }, TEST_NOW);
		expect(approved).toMatchObject({ ok: true, value: { allocated: 50_000 } });
		expect((await invoices(rw.houses[0]!.id)).map((i) => i.paid)).toEqual(['75000', '75000']);
		expect(await count('notification', `user_id = $1 and kind = 'dues.proof_approved'`, [resident.id])).toBe(1);
		expect(await count('notification', `user_id = $1 and kind = 'dues.proof_submitted'`, [treasurer.id])).toBeGreaterThan(0);
	});

	// PGlite runs one transaction at a time: only PostgreSQL shows the race.
	it.runIf(process.env.DATABASE_URL)('makes one payment when two treasurers approve the same proof at once (PostgreSQL)', async () => {
		const house = rw.houses[5]!.id;
		const member = await makeMember(db, rw, 'resident', { houseId: house });
		for (let round = 0; round < 5; round++) {
			const sent = await submitProof(db, member, store, { houseId: house, method: 'transfer', amount: 1_000, months: 1 }, { bytes: await photo(10 + round), name: 'r.png' });
			if (!sent.ok) throw new Error(sent.reason);
			const results = await Promise.all([treasurer, treasurer2].map((t) => approveProof(db, t, { proofId: sent.proofId, allowCredit: false }, TEST_NOW)));
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(['already_decided']);
			expect(await count('dues_payment', 'proof_id = $1', [sent.proofId])).toBe(1);
		}
	});
});

describe('rollups', () => {
	it('agree with the invoices and payments they summarise', async () => {
		const fromInvoices = await db.query(
			`select rt_id, month::text, sum(amount)::text as invoiced, sum(paid)::text as collected, count(*)::int as invoices, (count(*) filter (where paid = amount))::int as paid_invoices
			   from dues_invoice where rw_id = $1 group by rt_id, month order by rt_id, month`,
			[rw.id]
		);
		const rollup = await db.query(`select rt_id, month::text, invoiced::text, collected::text, invoices, paid_invoices from dues_rollup where rw_id = $1 order by rt_id, month`, [rw.id]);
		expect(rollup).toEqual(fromInvoices);
		const houses = await db.query(
			`select house_id, sum(amount - paid)::text as open_amount, (count(*) filter (where paid < amount))::int as open_months from dues_invoice where rw_id = $1 group by house_id order by house_id`,
			[rw.id]
		);
		expect(await db.query(`select house_id, open_amount::text, open_months from dues_house_status where rw_id = $1 and house_id in (select house_id from dues_invoice) order by house_id`, [rw.id])).toEqual(houses);
		const [cash] = await db.query<{ income: string }>(`select coalesce(sum(income), 0)::text as income from dues_cash_month where rw_id = $1`, [rw.id]);
		const [paid] = await db.query<{ s: string }>(`select coalesce(sum(amount), 0)::text as s from dues_payment where rw_id = $1 and voided_at is null`, [rw.id]);
		expect(cash!.income).toBe(paid!.s);
		const components = await db.query<{ component: string; collected: string }>(
			`select component, sum(collected)::text as collected from dues_component_rollup where rw_id = $1 group by component order by component`,
			[rw.id]
		);
		const [collected] = await db.query<{ s: string }>('select sum(paid)::text as s from dues_invoice where rw_id = $1', [rw.id]);
		expect(components.reduce((s, c) => s + Number(c.collected), 0)).toBe(Number(collected!.s));
	});
});

describe('reminders', () => {
	it('tell the residents of houses behind through notify, at most once a week per house', async () => {
		const { remindBehind } = await import('../../src/lib/server/dues/reminders');
		// House 5 owes November (its payment was voided, or, run alone, nothing was paid).
		await generateMonth(db, treasurer, NOV, TEST_NOW);
		const behind = await makeMember(db, rw, 'resident', { houseId: rw.houses[4]!.id });
		const first = await remindBehind(db, treasurer, 1, TEST_NOW);
		if (!first.ok) throw new Error(first.reason);
		expect(first.houses).toBeGreaterThan(0);
		const notified = await count('notification', `kind = 'dues.reminder'`);
		expect(await count('notification', `kind = 'dues.reminder' and user_id = $1`, [behind.id])).toBe(1);
		expect(await remindBehind(db, treasurer, 1, new Date(TEST_NOW.getTime() + 86_400_000))).toEqual({ ok: true, houses: 0, skipped: first.houses });
		expect(await count('notification', `kind = 'dues.reminder'`)).toBe(notified);
		const nextWeek = await remindBehind(db, treasurer, 1, new Date(TEST_NOW.getTime() + 8 * 86_400_000));
		expect(nextWeek).toMatchObject({ ok: true, houses: first.houses });
		expect(await remindBehind(db, resident, 1, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
	});
});
