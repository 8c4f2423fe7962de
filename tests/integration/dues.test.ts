import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { withUser } from '../../src/lib/server/db/with-user';
import { LocalFileStore } from '../../src/lib/server/storage/files';
import { cashBook, monthlyReport, recordExpense, voidExpense } from '../../src/lib/server/dues/book';
import { generateAllRws, generateMonth } from '../../src/lib/server/dues/generate';
import { recordCash, voidPaymentAs } from '../../src/lib/server/dues/payments';
import { collectionRates, housesBehind, RESIDENT_MONTHS_PAGE, RESIDENT_RECEIPTS, residentDues, residentReceipts, treasurerDashboard } from '../../src/lib/server/dues/views';
import { houseCategoryCounts } from '../../src/lib/server/registry/houses';
import { approveProof, rejectProof, submitProof } from '../../src/lib/server/dues/proofs';
import { remindBehind } from '../../src/lib/server/dues/reminders';
import { addExemption, addTariff, endExemption, getSettings, listExemptions, setOpeningBalance } from '../../src/lib/server/dues/setup';
import { addMonths } from '../../src/lib/domain/dues';
import { freshDatabase } from '../factories/db';
import { TEST_NOW } from '../factories/clock';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * Dues on the database: idempotent generation with frozen amounts, payments allocated
 * oldest-first with credit, voids that reverse, proofs (refusals write nothing; two
 * treasurers approving at once make one payment, raced on PostgreSQL), RLS across RWs,
 * the rollups the dashboards read agreeing with the rows, income counted in the month
 * it was received, expense voids, ending exemptions and the cash book's opening balance.
 * Each test makes its own RW (`setup()`), so they pass in any order
 * (`--sequence.shuffle`).
 */

let db: Database;
let dir: string;
let store: LocalFileStore;
type Member = Awaited<ReturnType<typeof makeMember>>;
const OCT = '2026-10-01';
const NOV = '2026-11-01';
const DEC = '2026-12-01';
const DAY = 86_400_000;

const photo = (seed: number) => sharp({ create: { width: 40 + seed, height: 30, channels: 3, background: `#${String(seed).padStart(6, '0')}` } }).png().toBuffer();
const invoices = (houseId: string) =>
	db.query<{ month: string; amount: string; paid: string }>('select month::text as month, amount::text, paid::text from dues_invoice where house_id = $1 order by month', [houseId]);
const count = async (table: string, where = 'true', params: unknown[] = []) => (await db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params))[0]!.n;

interface Setup {
	rw: TestRw;
	treasurer: Member;
	/** Lives in house 0. */
	resident: Member;
}

/**
 * A fresh RW of 2 RTs × 3 houses with its treasurer and a resident of house 0:
 * houses pay 75,000 (keamanan 50,000 + kebersihan 25,000), house 1 is a shop
 * (150,000), RT 2's houses pay 80,000 from June, house 2 is exempt. `months`: the
 * invoices generated before the test starts.
 */
async function setup(months: string[] = []): Promise<Setup> {
	const rw = await makeRw(db, 2, 3);
	const treasurer = await makeMember(db, rw, 'treasurer');
	const resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
	await db.query(`update house set category = 'shop' where id = $1`, [rw.houses[1]!.id]);
	expect(await addTariff(db, treasurer, { category: 'house', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 25_000 }] })).toEqual({ ok: true });
	expect(await addTariff(db, treasurer, { category: 'shop', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 150_000 }] })).toEqual({ ok: true });
	// RT 2 pays more for security.
	expect(await addTariff(db, treasurer, { category: 'house', rtId: rw.rts[1]!.id, validFrom: '2026-06-01', components: [{ name: 'keamanan', amount: 80_000 }] })).toEqual({ ok: true });
	expect(await addExemption(db, treasurer, { houseId: rw.houses[2]!.id, fromMonth: '2026-01-01', reason: 'Rumah janda lansia' })).toEqual({ ok: true });
	for (const month of months) expect(await generateMonth(db, treasurer, month, TEST_NOW)).toMatchObject({ ok: true, created: 5 });
	return { rw, treasurer, resident };
}

beforeAll(async () => {
	db = await freshDatabase({ max: 6 });
	dir = await mkdtemp(path.join(os.tmpdir(), 'dues-'));
	store = new LocalFileStore(dir);
});
afterAll(async () => {
	await db?.close();
	if (dir) await rm(dir, { recursive: true, force: true });
});

describe('invoice generation', () => {
	it('makes one invoice per house and month with the tariff frozen, and nothing the second time, in every RW with a tariff', async () => {
		const { rw, treasurer } = await setup();
		const other = await makeRw(db, 1, 2);
		const otherTreasurer = await makeMember(db, other, 'treasurer');
		expect(await addTariff(db, otherTreasurer, { category: 'house', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 10_000 }] })).toEqual({ ok: true });
		expect(await generateMonth(db, treasurer, NOV, TEST_NOW)).toEqual({ ok: true, created: 5 });
		expect(await generateMonth(db, treasurer, NOV, TEST_NOW)).toEqual({ ok: true, created: 0 });
		// The monthly job: December for every RW with a tariff (other tests' RWs included), then nothing.
		expect(await generateAllRws(db, TEST_NOW)).toBeGreaterThanOrEqual(5 + 2);
		expect(await generateAllRws(db, TEST_NOW)).toBe(0);
		expect(await count('dues_invoice', 'rw_id = $1 and month = $2', [other.id, DEC])).toBe(2);
		const rows = await db.query<{ house_id: string; amount: string; due_on: string; components: unknown }>(
			`select house_id, amount::text, due_on::text, components from dues_invoice where rw_id = $1 and month = $2`,
			[rw.id, DEC]
		);
		expect(rows).toHaveLength(5);
		const by = new Map(rows.map((r) => [r.house_id, r]));
		expect(by.get(rw.houses[0]!.id)).toMatchObject({ amount: '75000', due_on: '2026-12-10' });
		expect(by.get(rw.houses[1]!.id)).toMatchObject({ amount: '150000' });
		expect(by.has(rw.houses[2]!.id)).toBe(false); // exempt
		expect(by.get(rw.houses[3]!.id)).toMatchObject({ amount: '80000', components: [{ name: 'keamanan', amount: 80_000 }] });
	});

	it('keeps issued invoices when the tariff changes', async () => {
		const { rw, treasurer } = await setup([NOV, DEC]);
		expect(await addTariff(db, treasurer, { category: 'house', rtId: null, validFrom: '2027-01-01', components: [{ name: 'keamanan', amount: 99_000 }] })).toEqual({ ok: true });
		expect((await invoices(rw.houses[0]!.id)).map((i) => i.amount)).toEqual(['75000', '75000']);
	});

	it('refuses a future month and another role', async () => {
		const { treasurer, resident } = await setup();
		expect(await generateMonth(db, treasurer, '2027-01-01', TEST_NOW)).toEqual({ ok: false, reason: 'future' });
		expect(await generateMonth(db, resident, NOV, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
	});
});

describe('payments', () => {
	it('allocates oldest-first, partially, and refuses more than is owed without a credit decision (nothing written)', async () => {
		const { rw, treasurer } = await setup([NOV, DEC]);
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
		expect(await count('audit_log', `action = 'dues.payment' and rw_id = $1`, [rw.id])).toBe(1);
	});

	it('keeps what is over as credit when told to, and spends it on the next month', async () => {
		const { rw, treasurer } = await setup([NOV, DEC]);
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
		const { rw, treasurer } = await setup([NOV, DEC]);
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
		const { rw, resident } = await setup([NOV]);
		const other = await makeRw(db, 1, 2);
		const otherTreasurer = await makeMember(db, other, 'treasurer');
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
		const { rw, resident } = await setup([NOV]);
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
		const { rw, treasurer, resident } = await setup([NOV, DEC]);
		const house = rw.houses[0]!.id;
		const wrong = await submitProof(db, resident, store, { houseId: house, method: 'qris', amount: 25_000, months: 1 }, { bytes: await photo(3), name: 'q.png' });
		if (!wrong.ok) throw new Error(wrong.reason);
		expect(await rejectProof(db, treasurer, { proofId: wrong.proofId, reason: 'Nominal tidak terbaca' }, TEST_NOW)).toEqual({ ok: true, value: null });
		expect(await approveProof(db, treasurer, { proofId: wrong.proofId, allowCredit: false }, TEST_NOW)).toEqual({ ok: false, reason: 'already_decided' });
		const right = await submitProof(db, resident, store, { houseId: house, method: 'transfer', amount: 50_000, months: 1 }, { bytes: await photo(4), name: 't.png' });
		if (!right.ok) throw new Error(right.reason);
		expect(await approveProof(db, treasurer, { proofId: right.proofId, allowCredit: false }, TEST_NOW)).toMatchObject({ ok: true, value: { allocated: 50_000 } });
		expect((await invoices(house)).map((i) => i.paid)).toEqual(['50000', '0']);
		expect(await count('notification', `user_id = $1 and kind = 'dues.proof_approved'`, [resident.id])).toBe(1);
		expect(await count('notification', `user_id = $1 and kind = 'dues.proof_rejected'`, [resident.id])).toBe(1);
		expect(await count('notification', `user_id = $1 and kind = 'dues.proof_submitted'`, [treasurer.id])).toBe(2);
	});

	// PGlite runs one transaction at a time: only PostgreSQL shows the race.
	it.runIf(process.env.DATABASE_URL)('makes one payment when two treasurers approve the same proof at once (PostgreSQL)', async () => {
		const { rw, treasurer } = await setup([NOV]);
		const treasurer2 = await makeMember(db, rw, 'treasurer');
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
	it('agree with the invoices, payments and allocations they summarise', async () => {
		const { rw, treasurer, resident } = await setup([NOV, DEC]);
		const [h0, h1, , h3, h4, h5] = rw.houses.map((h) => h.id);
		// Partial, whole, with credit, voided, from a proof: every way money moves.
		await recordCash(db, treasurer, { houseId: h0!, amount: 100_000, allowCredit: false }, TEST_NOW);
		await recordCash(db, treasurer, { houseId: h1!, amount: 150_000, allowCredit: false }, TEST_NOW);
		await recordCash(db, treasurer, { houseId: h3!, amount: 200_000, allowCredit: true }, new Date(TEST_NOW.getTime() + 3 * DAY));
		const voided = await recordCash(db, treasurer, { houseId: h4!, amount: 80_000, allowCredit: false }, TEST_NOW);
		if (!voided.ok) throw new Error(voided.reason);
		await voidPaymentAs(db, treasurer, { paymentId: voided.value.paymentId, reason: 'Salah rumah' }, TEST_NOW);
		const sent = await submitProof(db, resident, store, { houseId: h0!, method: 'transfer', amount: 50_000, months: 1 }, { bytes: await photo(20), name: 'p.png' });
		if (!sent.ok) throw new Error(sent.reason);
		await approveProof(db, treasurer, { proofId: sent.proofId, allowCredit: false }, TEST_NOW);
		await recordCash(db, treasurer, { houseId: h5!, amount: 30_000, allowCredit: false }, TEST_NOW);

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
		expect(cash!.income).toBe('530000');
		expect(cash!.income).toBe(paid!.s);
		const components = await db.query<{ component: string; collected: string }>(
			`select component, sum(collected)::text as collected from dues_component_rollup where rw_id = $1 group by component order by component`,
			[rw.id]
		);
		const [collected] = await db.query<{ s: string }>('select sum(paid)::text as s from dues_invoice where rw_id = $1', [rw.id]);
		expect(components.reduce((s, c) => s + Number(c.collected), 0)).toBe(Number(collected!.s));
		// Income by component and month of receipt: the live allocations' slices, and with the
		// credit still unspent, the cash book's income of each month.
		const fromAllocations = await db.query(
			`select date_trunc('month', p.received_on)::date::text as month, c->>'name' as component, sum((c->>'amount')::bigint)::text as amount
			   from dues_allocation a join dues_payment p on p.id = a.payment_id cross join lateral jsonb_array_elements(a.components) c
			  where a.rw_id = $1 and a.reversed_at is null group by 1, 2 having sum((c->>'amount')::bigint) > 0 order by 1, 2`,
			[rw.id]
		);
		expect(fromAllocations.length).toBeGreaterThan(0);
		expect(await db.query(`select month::text, component, amount::text from dues_income_month where rw_id = $1 and amount > 0 order by 1, 2`, [rw.id])).toEqual(fromAllocations);
		const byMonth = await db.query<{ month: string; income: string; allocated: string; credit: string }>(
			`select c.month::text, c.income::text,
			        (select coalesce(sum(amount), 0) from dues_income_month i where i.rw_id = c.rw_id and i.month = c.month)::text as allocated,
			        (select coalesce(sum(unallocated), 0) from dues_payment p where p.rw_id = c.rw_id and p.voided_at is null and date_trunc('month', p.received_on) = c.month)::text as credit
			   from dues_cash_month c where c.rw_id = $1`,
			[rw.id]
		);
		for (const m of byMonth) expect(Number(m.allocated) + Number(m.credit)).toBe(Number(m.income));
	});
});

describe("the treasurer's dashboard", () => {
	it("reads the rollups: this month's collection, the houses most behind first, the queue, the cash and its balance", async () => {
		const { rw, treasurer, resident } = await setup([NOV, DEC]);
		const [h0, h1, , h3] = rw.houses.map((h) => h.id);
		expect(await setOpeningBalance(db, treasurer, { amount: 1_000_000, month: NOV }, TEST_NOW)).toEqual({ ok: true });
		await recordCash(db, treasurer, { houseId: h0!, amount: 75_000, allowCredit: false }, TEST_NOW); // one month left
		await recordCash(db, treasurer, { houseId: h3!, amount: 160_000, allowCredit: false }, TEST_NOW); // paid up
		const sent = await submitProof(db, resident, store, { houseId: h0!, method: 'qris', amount: 75_000, months: 1 }, { bytes: await photo(30), name: 'd.png' });
		if (!sent.ok) throw new Error(sent.reason);
		const d = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(d.month).toBe(DEC);
		// Two months open before one; the same months, more owed first (the shop's 300,000).
		const behind = [
			[h1, 2, 300_000],
			[rw.houses[4]!.id, 2, 160_000],
			[rw.houses[5]!.id, 2, 160_000],
			[h0, 1, 75_000]
		].sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]) || String(a[0]).localeCompare(String(b[0])));
		expect(d.behind.map((b) => [b.house_id, b.open_months, b.open_amount])).toEqual(behind);
		expect(d.behind[0]!.house).toMatch(/^RT 00[12] · /);
		expect(d.moreBehind).toBe(false);
		// December over both RTs: RT 1 75,000 + 150,000 (nothing paid), RT 2 3 × 80,000 (one paid).
		expect(d.collection).toEqual({ invoiced: 75_000 + 150_000 + 3 * 80_000, collected: 80_000, invoices: 5, paid_invoices: 1 });
		expect(d.queue).toBe(1);
		expect(d.cash).toEqual({ income: 235_000, expense: 0, balance: 1_235_000 });
		expect(d.cash.balance).toBe((await cashBook(db, treasurer)).at(-1)!.closing);
		// The next load shows a payment at once: collected, cash and the list behind.
		await recordCash(db, treasurer, { houseId: h1!, amount: 150_000, allowCredit: false }, TEST_NOW);
		const after = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect([after.collection.collected, after.cash.income, after.cash.balance]).toEqual([80_000, 385_000, 1_385_000]);
		expect(after.behind.find((b) => b.house_id === h1)).toMatchObject({ open_months: 1, open_amount: 150_000 });
		// The dashboard shows the first few; the full list pages through all of them in the same order.
		const all = await housesBehind(db, treasurer, 1);
		expect(all.total).toBe(4);
		expect(all.houses.map((b) => b.house_id)).toEqual(after.behind.map((b) => b.house_id));
		expect(await housesBehind(db, treasurer, 2)).toEqual({ houses: [], total: 4 });
		// An RT head reads the houses behind of their own RT only.
		const head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
		const ofRt = await housesBehind(db, head, 1);
		expect(ofRt.houses.map((b) => b.house_id)).toEqual(all.houses.filter((b) => b.house.startsWith('RT 001')).map((b) => b.house_id));
		expect([ofRt.houses.length, ofRt.total]).toEqual([2, 2]);
		// The rates per RT over 12 months, and the houses per RT and category, are on their own page.
		const { rates } = await collectionRates(db, treasurer, TEST_NOW);
		expect(rates.filter((r) => r.month === DEC).map((r) => [r.rt_number, r.invoiced, r.collected, r.invoices, r.paid_invoices])).toEqual([
			[1, 75_000 + 150_000, 0, 2, 0],
			[2, 3 * 80_000, 80_000, 3, 1]
		]);
		expect(rates.map((r) => r.month)).toEqual([NOV, NOV, DEC, DEC]);
		expect(await houseCategoryCounts(db, treasurer)).toEqual([
			{ rt_number: 1, category: 'house', houses: 2 },
			{ rt_number: 1, category: 'shop', houses: 1 },
			{ rt_number: 2, category: 'house', houses: 3 }
		]);
		// Not the treasurer's RW: nothing of it.
		const other = await makeRw(db, 1, 1);
		const stranger = await makeMember(db, other, 'treasurer');
		const spoofed = { ...stranger, rwId: rw.id };
		const theirs = await treasurerDashboard(db, spoofed, TEST_NOW);
		expect(theirs).toEqual({
			month: DEC,
			collection: { invoiced: 0, collected: 0, invoices: 0, paid_invoices: 0 },
			behind: [],
			moreBehind: false,
			queue: 0,
			cash: { income: 0, expense: 0, balance: 0 }
		});
		expect(await housesBehind(db, spoofed, 1)).toEqual({ houses: [], total: 0 });
		expect((await collectionRates(db, spoofed, TEST_NOW)).rates).toEqual([]);
	});
});

describe("a resident's own page", () => {
	it('shows their invoices newest first with their status, their receipts and what is open, and nothing of another house', async () => {
		const { rw, treasurer, resident } = await setup([NOV, DEC]);
		const paid = await recordCash(db, treasurer, { houseId: rw.houses[0]!.id, amount: 100_000, allowCredit: false }, TEST_NOW);
		if (!paid.ok) throw new Error(paid.reason);
		await recordCash(db, treasurer, { houseId: rw.houses[1]!.id, amount: 150_000, allowCredit: false }, TEST_NOW);
		const mine = await residentDues(db, resident, TEST_NOW);
		expect(mine!.invoices).toEqual([
			{ month: DEC, amount: 75_000, paid: 25_000, status: 'partial' },
			{ month: NOV, amount: 75_000, paid: 75_000, status: 'paid' }
		]);
		expect(mine!.olderInvoices).toBe(false);
		// The latest receipts to download; their verification token only on the receipts page (to share).
		const receipt = { id: paid.value.paymentId, receipt_number: paid.value.receiptNumber, amount: 100_000, received_on: expect.any(String), voided: false };
		expect(mine!.payments).toEqual([receipt]);
		expect([mine!.openAmount, mine!.openMonths, mine!.credit]).toEqual([50_000, 1, 0]);
		expect(mine!.proofs).toEqual([]);
		expect(await residentReceipts(db, resident, 1)).toEqual({ receipts: [{ ...receipt, verify_token: paid.value.verifyToken }], hasNext: false });
		// Pointing the session at another house reads nothing of it (RLS).
		const spoofed = { ...resident, houseId: rw.houses[1]!.id };
		const theirs = await residentDues(db, spoofed, TEST_NOW);
		expect([theirs!.invoices, theirs!.payments, theirs!.openAmount]).toEqual([[], [], 0]);
		expect(await residentReceipts(db, spoofed, 1)).toEqual({ receipts: [], hasNext: false });
	});

	it('pages through older months and receipts', async () => {
		// Fourteen months: 2025-11 to 2026-12, the first two on a tariff from 2025.
		const months = Array.from({ length: 14 }, (_, i) => addMonths('2025-11-01', i));
		const { rw, treasurer, resident } = await setup();
		for (const category of ['house', 'shop']) {
			expect(await addTariff(db, treasurer, { category, rtId: null, validFrom: '2025-01-01', components: [{ name: 'keamanan', amount: 75_000 }] })).toEqual({ ok: true });
		}
		for (const month of months) expect(await generateMonth(db, treasurer, month, TEST_NOW)).toMatchObject({ ok: true });
		for (let i = 0; i < RESIDENT_RECEIPTS + 1; i++) {
			const r = await recordCash(db, treasurer, { houseId: rw.houses[0]!.id, amount: 10_000, allowCredit: false }, TEST_NOW);
			if (!r.ok) throw new Error(r.reason);
		}
		// Six months a page, newest first: 2026-07..12, 2026-01..06, then the two oldest.
		expect(RESIDENT_MONTHS_PAGE).toBe(6);
		const first = await residentDues(db, resident, TEST_NOW);
		expect(first!.invoices.map((i) => i.month)).toEqual([...months].reverse().slice(0, 6));
		expect([first!.olderInvoices, first!.payments.length]).toEqual([true, RESIDENT_RECEIPTS]);
		const second = await residentDues(db, resident, TEST_NOW, 2);
		expect([second!.invoices.map((i) => i.month), second!.olderInvoices]).toEqual([[...months].reverse().slice(6, 12), true]);
		const last = await residentDues(db, resident, TEST_NOW, 3);
		// The oldest months: what was paid (4 × 10,000) went to the oldest first.
		expect(last!.invoices).toEqual([
			{ month: months[1], amount: 75_000, paid: 0, status: 'overdue' },
			{ month: months[0], amount: 75_000, paid: (RESIDENT_RECEIPTS + 1) * 10_000, status: 'overdue' }
		]);
		expect(last!.olderInvoices).toBe(false);
		const receipts = await residentReceipts(db, resident, 1);
		expect([receipts!.receipts.length, receipts!.hasNext]).toEqual([RESIDENT_RECEIPTS + 1, false]);
		expect(receipts!.receipts.slice(0, RESIDENT_RECEIPTS).map(({ verify_token: _, ...summary }) => summary)).toEqual(first!.payments);
	});
});

describe('transparency report', () => {
	it('counts dues income in the month the money was received (WIB), not the month of the invoice it pays', async () => {
		const { rw, treasurer, resident } = await setup([OCT, NOV, DEC]);
		const house = rw.houses[0]!.id; // 75,000 a month: keamanan 50,000 + kebersihan 25,000
		// October's invoice paid late: on 1 December 00:30 WIB (30 November 17:30 UTC).
		const lateAt = new Date('2026-11-30T17:30:00Z');
		const late = await recordCash(db, treasurer, { houseId: house, amount: 100_000, allowCredit: false }, lateAt);
		if (!late.ok) throw new Error(late.reason);
		const [row] = await db.query<{ received_on: string }>('select received_on::text from dues_payment where id = $1', [late.value.paymentId]);
		expect(row!.received_on).toBe('2026-12-01');
		// A payment on 30 November, 23:00 WIB counts in November.
		const novAt = new Date('2026-11-30T16:00:00Z');
		expect(await recordCash(db, treasurer, { houseId: rw.houses[1]!.id, amount: 150_000, allowCredit: false }, novAt)).toMatchObject({ ok: true });

		const dec = await monthlyReport(db, resident, DEC);
		// 75,000 for October (both components), 25,000 of November's keamanan.
		expect(dec.income).toEqual([
			{ component: 'keamanan', amount: 75_000 },
			{ component: 'kebersihan', amount: 25_000 }
		]);
		expect(dec.incomeCredit).toBe(0);
		expect(dec.book?.income).toBe(100_000);
		const oct = await monthlyReport(db, resident, OCT);
		expect(oct.income).toEqual([]);
		expect(oct.book?.income ?? 0).toBe(0);
		// October's invoices show what was paid for them, whenever it came.
		expect(oct.byComponent).toEqual([
			{ component: 'keamanan', invoiced: 50_000 + 150_000 + 3 * 80_000, collected: 50_000 + 150_000 },
			{ component: 'kebersihan', invoiced: 25_000, collected: 25_000 }
		]);
		const nov = await monthlyReport(db, resident, NOV);
		expect(nov.income).toEqual([{ component: 'keamanan', amount: 150_000 }]);

		// Voiding the late payment takes it out of December again, not October.
		await voidPaymentAs(db, treasurer, { paymentId: late.value.paymentId, reason: 'Uang palsu' }, TEST_NOW);
		const after = await monthlyReport(db, resident, DEC);
		expect(after.income).toEqual([]);
		expect(after.book?.income).toBe(0);
	});

	it('shows credit received in a month apart, and counts it in that month when an invoice spends it', async () => {
		const { rw, treasurer, resident } = await setup([NOV]);
		const house = rw.houses[0]!.id;
		expect(await recordCash(db, treasurer, { houseId: house, amount: 100_000, allowCredit: true }, new Date('2026-11-20T03:00:00Z'))).toMatchObject({ ok: true, value: { credit: 25_000 } });
		const before = await monthlyReport(db, resident, NOV);
		expect(before.income).toEqual([{ component: 'keamanan', amount: 50_000 }, { component: 'kebersihan', amount: 25_000 }]);
		expect(before.incomeCredit).toBe(25_000);
		// December's invoice spends the credit: still November's money.
		await generateMonth(db, treasurer, DEC, TEST_NOW);
		const after = await monthlyReport(db, resident, NOV);
		expect(after.income).toEqual([{ component: 'keamanan', amount: 75_000 }, { component: 'kebersihan', amount: 25_000 }]);
		expect(after.incomeCredit).toBe(0);
		expect((await monthlyReport(db, resident, DEC)).income).toEqual([]);
	});
});

describe('expense voids', () => {
	it('keeps the expense with who, when and why, gives the cash book its amount back, audits it, and refuses twice', async () => {
		const { rw, treasurer, resident } = await setup();
		const spent = await recordExpense(db, treasurer, store, { category: 'pump', amount: 120_000, spentOn: '2026-12-01', description: 'Solar pompa' }, null);
		if (!spent.ok) throw new Error(spent.reason);
		expect((await cashBook(db, treasurer)).find((b) => b.month === DEC)?.expense).toBe(120_000);
		expect(await voidExpense(db, resident, { expenseId: spent.id, reason: 'x' }, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await voidExpense(db, treasurer, { expenseId: spent.id, reason: 'Nota ganda' }, TEST_NOW)).toEqual({ ok: true });
		const [row] = await db.query<{ voided_by: string; void_reason: string; voided_at: string }>('select voided_by, void_reason, voided_at from dues_expense where id = $1', [spent.id]);
		expect(row).toMatchObject({ voided_by: treasurer.id, void_reason: 'Nota ganda' });
		expect(new Date(row!.voided_at).getTime()).toBe(TEST_NOW.getTime());
		expect((await cashBook(db, treasurer)).find((b) => b.month === DEC)?.expense).toBe(0);
		expect((await monthlyReport(db, resident, DEC)).byCategory).toEqual([]);
		expect(await count('audit_log', `action = 'dues.expense_void' and target = $1`, [spent.id])).toBe(1);
		expect(await voidExpense(db, treasurer, { expenseId: spent.id, reason: 'lagi' }, TEST_NOW)).toEqual({ ok: false, reason: 'not_found' });
		expect(await count('audit_log', `action = 'dues.expense_void' and target = $1`, [spent.id])).toBe(1);
		// Another RW's treasurer finds nothing to void.
		const other = await makeRw(db, 1, 1);
		const otherTreasurer = await makeMember(db, other, 'treasurer');
		const second = await recordExpense(db, treasurer, store, { category: 'admin', amount: 5_000, spentOn: '2026-12-01', description: 'Fotokopi' }, null);
		if (!second.ok) throw new Error(second.reason);
		expect(await voidExpense(db, otherTreasurer, { expenseId: second.id, reason: 'x' }, TEST_NOW)).toEqual({ ok: false, reason: 'not_found' });
		expect(await count('dues_expense', 'id = $1 and voided_at is null', [second.id])).toBe(1);
		expect(rw.id).not.toBe(other.id);
	});
});

describe('exemptions', () => {
	it('end on a month: the house is invoiced again from the month after, the exemption kept and audited', async () => {
		const { rw, treasurer, resident } = await setup([OCT]);
		const house = rw.houses[2]!.id;
		const [exemption] = await listExemptions(db, treasurer);
		expect(exemption).toMatchObject({ from_month: '2026-01-01', to_month: null, reason: 'Rumah janda lansia' });
		expect(await endExemption(db, resident, { exemptionId: exemption!.id, toMonth: OCT })).toEqual({ ok: false, reason: 'forbidden' });
		expect(await endExemption(db, treasurer, { exemptionId: exemption!.id, toMonth: '2025-12-01' })).toEqual({ ok: false, reason: 'exemption_before_start' });
		expect(await count('dues_exemption', 'id = $1 and to_month is null', [exemption!.id])).toBe(1);
		expect(await endExemption(db, treasurer, { exemptionId: exemption!.id, toMonth: OCT })).toEqual({ ok: true });
		expect(await endExemption(db, treasurer, { exemptionId: exemption!.id, toMonth: NOV })).toEqual({ ok: false, reason: 'exemption_ended' });
		expect(await count('audit_log', `action = 'dues.exemption_end' and target = $1`, [exemption!.id])).toBe(1);
		expect((await listExemptions(db, treasurer))[0]).toMatchObject({ id: exemption!.id, to_month: OCT });
		// October stays exempt (generated before and after); November is invoiced.
		await generateMonth(db, treasurer, OCT, TEST_NOW);
		await generateMonth(db, treasurer, NOV, TEST_NOW);
		expect((await invoices(house)).map((i) => i.month)).toEqual([NOV]);
		// Another RW's treasurer cannot end it.
		const other = await makeRw(db, 1, 1);
		const otherTreasurer = await makeMember(db, other, 'treasurer');
		expect(await endExemption(db, otherTreasurer, { exemptionId: exemption!.id, toMonth: NOV })).toEqual({ ok: false, reason: 'not_found' });
	});
});

describe('opening balance', () => {
	it('sets the cash book from its first month, audited with what it was before; a future month is refused', async () => {
		const { treasurer, resident } = await setup();
		await recordExpense(db, treasurer, store, { category: 'admin', amount: 20_000, spentOn: '2026-10-05', description: 'Materai' }, null);
		await recordExpense(db, treasurer, store, { category: 'admin', amount: 30_000, spentOn: '2026-12-01', description: 'ATK' }, null);
		expect(await setOpeningBalance(db, resident, { amount: 1, month: NOV }, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await setOpeningBalance(db, treasurer, { amount: 1_000_000, month: '2027-01-01' }, TEST_NOW)).toEqual({ ok: false, reason: 'month_future' });
		expect(await count('audit_log', `action = 'dues.opening_balance' and actor_id = $1`, [treasurer.id])).toBe(0);
		expect(await setOpeningBalance(db, treasurer, { amount: 1_000_000, month: NOV }, TEST_NOW)).toEqual({ ok: true });
		expect(await getSettings(db, treasurer)).toMatchObject({ openingBalance: 1_000_000, openingMonth: NOV });
		// October is before the book: its expense is not in it.
		const book = await cashBook(db, treasurer);
		expect(book.map((b) => [b.month, b.opening, b.closing])).toEqual([[DEC, 1_000_000, 970_000]]);
		expect(await setOpeningBalance(db, treasurer, { amount: 500_000, month: OCT }, TEST_NOW)).toEqual({ ok: true });
		expect((await cashBook(db, treasurer)).map((b) => [b.month, b.opening, b.closing])).toEqual([
			[OCT, 500_000, 480_000],
			[DEC, 480_000, 450_000]
		]);
		// The report every member reads carries the same month.
		expect((await monthlyReport(db, resident, DEC)).book).toEqual({ month: DEC, opening: 480_000, income: 0, expense: 30_000, closing: 450_000 });
		expect((await monthlyReport(db, resident, NOV)).book).toBeNull();
		const audits = await db.query<{ detail: { amount: number; month: string; before: unknown } }>(
			`select detail from audit_log where action = 'dues.opening_balance' and actor_id = $1 order by id`,
			[treasurer.id]
		);
		expect(audits.map((a) => a.detail)).toEqual([
			{ amount: 1_000_000, month: NOV, before: null },
			{ amount: 500_000, month: OCT, before: { amount: 1_000_000, month: NOV } }
		]);
	});
});

describe('reminders', () => {
	it('tell the residents of houses behind through notify, at most once a week per house', async () => {
		const { rw, treasurer, resident } = await setup([NOV]);
		const behind = await makeMember(db, rw, 'resident', { houseId: rw.houses[4]!.id });
		const first = await remindBehind(db, treasurer, 1, TEST_NOW);
		if (!first.ok) throw new Error(first.reason);
		expect(first.houses).toBe(5);
		const notified = await count('notification', `kind = 'dues.reminder'`);
		expect(await count('notification', `kind = 'dues.reminder' and user_id = $1`, [behind.id])).toBe(1);
		expect(await remindBehind(db, treasurer, 1, new Date(TEST_NOW.getTime() + DAY))).toEqual({ ok: true, houses: 0, skipped: first.houses });
		expect(await count('notification', `kind = 'dues.reminder'`)).toBe(notified);
		const nextWeek = await remindBehind(db, treasurer, 1, new Date(TEST_NOW.getTime() + 8 * DAY));
		expect(nextWeek).toMatchObject({ ok: true, houses: first.houses });
		expect(await remindBehind(db, resident, 1, TEST_NOW)).toEqual({ ok: false, reason: 'forbidden' });
	});
});
