import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import { LocalFileStore } from '../../src/lib/server/storage/files';
import { monthlyReport, recordExpense, voidExpense } from '../../src/lib/server/dues/book';
import { generateMonth } from '../../src/lib/server/dues/generate';
import { recordCash, voidPaymentAs } from '../../src/lib/server/dues/payments';
import { approveProof, submitProof } from '../../src/lib/server/dues/proofs';
import { addExemption, addTariff, saveSettings } from '../../src/lib/server/dues/setup';
import { residentDues, treasurerDashboard } from '../../src/lib/server/dues/views';
import { viewCache } from '../../src/lib/server/dues/cache';
import { followDuesVersions, type DuesVersions } from '../../src/lib/server/dues/versions';
import { cacheSessions, deleteSession, followSessionChanges, readSession, SessionCache, type SessionUser } from '../../src/lib/server/auth/sessions';
import { freshDatabase } from '../factories/db';
import { TEST_NOW } from '../factories/clock';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * The dues views kept per dues version (docs/dues.md, "Cached views"): a kept view is
 * served again while nothing changed (the same object), and every kind of money write
 * shows on the next view, also when another instance made it (on PostgreSQL a second
 * database handle with its own cache writes; on PGlite there is one process, so the
 * same handle does). Another RW's view, or a member without the permission, never gets
 * a kept entry. On PGlite the database is set up as the runtime sets it up: sessions
 * kept (for longer than any test runs, so only a change can end them), and the
 * session and dues-version changes followed in this process; the members act as the
 * sessions a request would read (`readSession`), so on PGlite the version and the gate
 * are decided in this process.
 */

let db: Database;
/** The "other instance": its own pool and its own view cache (PostgreSQL), or the same handle (PGlite). */
let other: Database;
let dir: string;
let store: LocalFileStore;
/** PGlite: the versions this process follows (null on PostgreSQL). */
let versions: DuesVersions | null;
const NOV = '2026-11-01';
const DEC = '2026-12-01';

const photo = (seed: number) => sharp({ create: { width: 50 + seed, height: 30, channels: 3, background: `#${String(seed).padStart(6, '0')}` } }).png().toBuffer();

beforeAll(async () => {
	db = await freshDatabase();
	// Sessions kept only where their changes are heard before the changing call returns (the
	// runtime on PostgreSQL hears them on a connection of its own, a moment later: read every time here).
	if (db.listen) {
		const sessions = new SessionCache(600_000);
		cacheSessions(db, sessions);
		await followSessionChanges(db, sessions);
	}
	versions = await followDuesVersions(db);
	if (process.env.DATABASE_URL) {
		const [row] = await db.query<{ name: string }>('select current_database() as name');
		const url = new URL(process.env.DATABASE_URL);
		url.pathname = `/${row!.name}`;
		other = await openPostgresThread(url.toString(), { max: 2 });
	} else other = db;
	dir = await mkdtemp(path.join(os.tmpdir(), 'dues-cache-'));
	store = new LocalFileStore(dir);
});
afterAll(async () => {
	if (other && other !== db) await other.close();
	await db?.close();
	if (dir) await rm(dir, { recursive: true, force: true });
});

/** A member as a request sees them: their session as `readSession` gives it (the one kept), and its cookie token. */
async function member(rw: TestRw, role: 'treasurer' | 'resident', options: { houseId?: string } = {}): Promise<{ user: SessionUser; token: string }> {
	const { token } = await makeMember(db, rw, role, options);
	return { user: (await readSession(db, token, 30))!, token };
}

/** An RW of 2 RTs × 3 houses paying 75,000 a month (Nov and Dec invoiced), its treasurer (as each instance sees them) and a resident of house 0. */
async function setup() {
	const rw = await makeRw(db, 2, 3);
	const { user: treasurer, token: treasurerToken } = await member(rw, 'treasurer');
	const { user: resident, token: residentToken } = await member(rw, 'resident', { houseId: rw.houses[0]!.id });
	expect(await addTariff(db, treasurer, { category: 'house', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 75_000 }] })).toEqual({ ok: true });
	for (const month of [NOV, DEC]) expect(await generateMonth(db, treasurer, month, TEST_NOW)).toMatchObject({ ok: true, created: 6 });
	return { rw, treasurer, resident, treasurerToken, residentToken };
}

describe('cached dues views', () => {
	it('serve the kept view while nothing changed, and every write on the next view, from either instance', async () => {
		const { rw, treasurer, resident } = await setup();
		const h0 = rw.houses[0]!.id;
		const first = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(await treasurerDashboard(db, treasurer, TEST_NOW)).toBe(first);
		expect(first.collection.collected).toBe(0);

		// A payment on the other instance: collected, the cash and the list behind at once.
		const paid = await recordCash(other, treasurer, { houseId: h0, amount: 150_000, allowCredit: false }, TEST_NOW);
		if (!paid.ok) throw new Error(paid.reason);
		const afterPayment = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect([afterPayment.collection.collected, afterPayment.cash.income]).toEqual([75_000, 150_000]);
		expect(afterPayment.behind.some((b) => b.house_id === h0)).toBe(false);
		const mine = await residentDues(db, resident, TEST_NOW);
		expect([mine!.openAmount, mine!.payments.length]).toEqual([0, 1]);
		expect(await residentDues(db, resident, TEST_NOW)).toEqual(mine);

		// Its void.
		expect(await voidPaymentAs(other, treasurer, { paymentId: paid.value.paymentId, reason: 'Salah rumah' }, TEST_NOW)).toEqual({ ok: true, value: null });
		const afterVoid = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect([afterVoid.collection.collected, afterVoid.cash.income]).toEqual([0, 0]);
		expect(afterVoid.behind.find((b) => b.house_id === h0)).toMatchObject({ open_months: 2, open_amount: 150_000 });
		expect((await residentDues(db, resident, TEST_NOW))!.openAmount).toBe(150_000);

		// A payment kept wholly as credit (a paid-up house pays ahead: no invoice changes), and its void.
		const h5 = rw.houses[5]!.id;
		expect(await recordCash(other, treasurer, { houseId: h5, amount: 150_000, allowCredit: false }, TEST_NOW)).toMatchObject({ ok: true });
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).cash.income).toBe(150_000);
		const ahead = await recordCash(other, treasurer, { houseId: h5, amount: 20_000, allowCredit: true }, TEST_NOW);
		if (!ahead.ok) throw new Error(ahead.reason);
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).cash.income).toBe(170_000);
		expect(await voidPaymentAs(other, treasurer, { paymentId: ahead.value.paymentId, reason: 'Dobel' }, TEST_NOW)).toEqual({ ok: true, value: null });
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).cash.income).toBe(150_000);

		// An expense and its void: the dashboard's cash and the members' report.
		const report = await monthlyReport(db, resident, DEC);
		expect(await monthlyReport(db, resident, DEC)).toBe(report);
		const spent = await recordExpense(other, treasurer, store, { category: 'pump', amount: 40_000, spentOn: DEC, description: 'Solar pompa' }, null);
		if (!spent.ok) throw new Error(spent.reason);
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).cash.expense).toBe(40_000);
		expect((await monthlyReport(db, resident, DEC)).byCategory).toEqual([{ category: 'pump', amount: 40_000 }]);
		expect(await voidExpense(other, treasurer, { expenseId: spent.id, reason: 'Dobel' }, TEST_NOW)).toEqual({ ok: true });
		expect((await monthlyReport(db, resident, DEC)).byCategory).toEqual([]);

		// A resident's proof (the queue), then its approval (a payment).
		const sent = await submitProof(other, resident, store, { houseId: h0, method: 'qris', amount: 75_000, months: 1 }, { bytes: await photo(1), name: 'p.png' });
		if (!sent.ok) throw new Error(sent.reason);
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).queue).toBe(1);
		expect((await residentDues(db, resident, TEST_NOW))!.proofs).toHaveLength(1);
		expect(await approveProof(other, treasurer, { proofId: sent.proofId, allowCredit: false }, TEST_NOW)).toMatchObject({ ok: true });
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).queue).toBe(0);
		expect((await residentDues(db, resident, TEST_NOW))!.openAmount).toBe(75_000);

		// Settings: the pay instructions and the names in the report.
		expect(await saveSettings(other, treasurer, store, { overdueDay: 10, bankName: 'BRI', bankAccount: '0123', bankHolder: 'Kas RW', reportNames: true }, null)).toEqual({ ok: true });
		expect((await residentDues(db, resident, TEST_NOW))!.pay).toEqual({ bankName: 'BRI', bankAccount: '0123', bankHolder: 'Kas RW', hasQris: false });
		expect((await monthlyReport(db, resident, DEC)).behind).not.toBeNull();

		// A house renamed in the registry: the dashboard names it anew.
		const named = (await treasurerDashboard(db, treasurer, TEST_NOW)).behind.find((b) => b.house_id === rw.houses[1]!.id)!.house;
		await other.query(`update house set number = number || 'A' where id = $1`, [rw.houses[1]!.id]);
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).behind.find((b) => b.house_id === rw.houses[1]!.id)!.house).toBe(`${named}A`);
	});

	it('keep a view computed while a payment committed under a version that makes the next view show it', async () => {
		// The payment commits (on the other instance) right after the page's first, then its second read as the user:
		// a view kept under a version read after its data would carry the payment's version without the payment.
		for (const readsBefore of [1, 2]) {
			const { rw, treasurer, resident } = await setup();
			let reads = 0;
			let paid = false;
			const afterRead = async <T>(read: Promise<T>): Promise<T> => {
				const value = await read;
				if (++reads === readsBefore) {
					expect(await recordCash(other, treasurer, { houseId: rw.houses[0]!.id, amount: 75_000, allowCredit: false }, TEST_NOW)).toMatchObject({ ok: true });
					paid = true;
				}
				return value;
			};
			const racing: Database = Object.assign(Object.create(db) as Database, {
				query: <T>(text: string, params?: unknown[]) => afterRead(db.query<T>(text, params)),
				batch: (statements: Parameters<Database['batch']>[0]) => afterRead(db.batch(statements))
			});
			await residentDues(racing, resident, TEST_NOW);
			expect(paid).toBe(true);
			const next = await residentDues(racing, resident, TEST_NOW);
			expect([next!.openAmount, next!.payments.length]).toEqual([75_000, 1]);
			expect(next!.invoices.find((i) => i.month === NOV)).toMatchObject({ paid: 75_000, status: 'paid' });
		}
	});

	it('miss after a tariff, an exemption or a generation, which change no kept figure by themselves', async () => {
		const { rw, treasurer } = await setup();
		const kept = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(await addTariff(other, treasurer, { category: 'house', rtId: null, validFrom: '2027-01-01', components: [{ name: 'keamanan', amount: 90_000 }] })).toEqual({ ok: true });
		const afterTariff = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(afterTariff).not.toBe(kept);
		expect(afterTariff).toEqual(kept);
		expect(await addExemption(other, treasurer, { houseId: rw.houses[5]!.id, fromMonth: '2027-01-01', reason: 'Rumah kosong' })).toEqual({ ok: true });
		const afterExemption = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(afterExemption).not.toBe(afterTariff);
		// An earlier month generated: every house is a month further behind.
		expect(await generateMonth(other, treasurer, '2026-10-01', TEST_NOW)).toMatchObject({ ok: true, created: 6 });
		expect((await treasurerDashboard(db, treasurer, TEST_NOW)).behind.map((b) => b.open_months)).toEqual(afterExemption.behind.map(() => 3));
	});

	it('never give a kept view to another RW, a spoofed session or a member without the permission', async () => {
		const { rw, treasurer, resident } = await setup();
		await recordCash(db, treasurer, { houseId: rw.houses[0]!.id, amount: 75_000, allowCredit: false }, TEST_NOW);
		const kept = await treasurerDashboard(db, treasurer, TEST_NOW);
		const keptReport = await monthlyReport(db, treasurer, NOV);
		const keptHouse = await residentDues(db, resident, TEST_NOW);
		expect(kept.behind.length).toBeGreaterThan(0);

		// Another RW's treasurer: their own (empty) dashboard, and nothing when the session points at this RW.
		const { user: stranger } = await member(await makeRw(db, 1, 1), 'treasurer');
		const own = await treasurerDashboard(db, stranger, TEST_NOW);
		expect([own.behind, own.collection.invoiced]).toEqual([[], 0]);
		const spoofed = { ...stranger, rwId: rw.id };
		const theirs = await treasurerDashboard(db, spoofed, TEST_NOW);
		expect(theirs).not.toBe(kept);
		expect([theirs.behind, theirs.collection.invoiced, theirs.cash.balance]).toEqual([[], 0, 0]);
		expect((await monthlyReport(db, spoofed, NOV)).byComponent).toEqual([]);
		// A resident of the RW is no treasurer: not the kept dashboard (RLS shows them their own house only, no queue).
		const asResident = await treasurerDashboard(db, resident, TEST_NOW);
		expect(asResident).not.toBe(kept);
		expect(asResident.behind.every((b) => b.house_id === rw.houses[0]!.id)).toBe(true);
		// The report is every member's: the same kept one.
		expect(await monthlyReport(db, resident, NOV)).toBe(keptReport);
		// Another house's resident page, by a session pointed at it: nothing of it.
		const { user: neighbour } = await member(rw, 'resident', { houseId: rw.houses[1]!.id });
		const spoofedHouse = await residentDues(db, { ...neighbour, houseId: rw.houses[0]!.id }, TEST_NOW);
		expect([spoofedHouse!.invoices, spoofedHouse!.payments, spoofedHouse!.openAmount]).toEqual([[], [], 0]);
		expect(await residentDues(db, resident, TEST_NOW)).toEqual(keptHouse);
		expect(viewCache(db).size).toBeGreaterThan(0);
	});

	it('never give a kept view to a member who lost the right: the role taken, moved to another house, logged out', async () => {
		const { rw, treasurer, resident, treasurerToken, residentToken } = await setup();
		const [h0, h1] = [rw.houses[0]!, rw.houses[1]!];
		const kept = await treasurerDashboard(db, treasurer, TEST_NOW);
		expect(await treasurerDashboard(db, treasurer, TEST_NOW)).toBe(kept);
		const keptHouse = await residentDues(db, resident, TEST_NOW);
		expect(keptHouse!.invoices).toHaveLength(2);

		// The treasurer's role taken away by SQL (no service forgets the session): neither the
		// session read before it (a request under way) nor the one read after gets the kept dashboard.
		await db.query(`delete from membership where user_id = $1 and role = 'treasurer'`, [treasurer.id]);
		const after = (await readSession(db, treasurerToken, 30))!;
		expect(after.roles).toEqual([]);
		for (const user of [treasurer, after]) {
			const seen = await treasurerDashboard(db, user, TEST_NOW);
			expect(seen).not.toBe(kept);
			expect([seen.behind, seen.collection.invoiced, seen.queue]).toEqual([[], 0, 0]);
		}

		// The resident moved to house 1 by SQL: nothing of house 0 any more, their new house's page instead.
		await db.query('update membership set house_id = $2, rt_id = $3 where user_id = $1', [resident.id, h1.id, h1.rtId]);
		const stale = await residentDues(db, resident, TEST_NOW);
		expect([stale!.invoices, stale!.payments, stale!.openAmount]).toEqual([[], [], 0]);
		const moved = (await readSession(db, residentToken, 30))!;
		expect(moved.houseId).toBe(h1.id);
		const theirs = await residentDues(db, moved, TEST_NOW);
		expect(theirs!.houseId).toBe(h1.id);
		expect(theirs!.invoices).toHaveLength(2);

		// Logged out: the session is no more, and the one read before it is no longer the one kept.
		const { user: another, token } = await member(rw, 'resident', { houseId: h0.id });
		expect(await residentDues(db, another, TEST_NOW)).toEqual(keptHouse);
		await deleteSession(db, token);
		expect(await readSession(db, token, 30)).toBeNull();
	});

	it('show a write made by SQL by hand on the next view', async () => {
		const { rw, resident } = await setup();
		expect((await residentDues(db, resident, TEST_NOW))!.pay.bankName).toBe('');
		await other.query(`insert into dues_settings (rw_id, bank_name) values ($1, 'Bank Manual')`, [rw.id]);
		expect((await residentDues(db, resident, TEST_NOW))!.pay.bankName).toBe('Bank Manual');
		await other.query(`update dues_settings set bank_name = 'Bank Dua' where rw_id = $1`, [rw.id]);
		expect((await residentDues(db, resident, TEST_NOW))!.pay.bankName).toBe('Bank Dua');
	});
});

// PGlite: the version and the gate in this process (docs/dues.md, "Cached views").
describe.skipIf(!!process.env.DATABASE_URL)('cached dues views on PGlite', () => {
	/** Statements the database ran since the start: every hold of its one session. */
	const holds = async () => Object.values((await db.sessionStats!()).holds).reduce((n, h) => n + h.count, 0);

	it('serve a kept view without a round trip, and know a write\'s version before the write returns', async () => {
		const { rw, treasurer, resident } = await setup();
		const kept = await treasurerDashboard(db, treasurer, TEST_NOW);
		const keptHouse = await residentDues(db, resident, TEST_NOW);
		const report = await monthlyReport(db, resident, DEC);
		const before = await holds();
		expect(await treasurerDashboard(db, treasurer, TEST_NOW)).toBe(kept);
		expect(await residentDues(db, resident, TEST_NOW)).toEqual(keptHouse);
		expect(await monthlyReport(db, resident, DEC)).toBe(report);
		expect(await holds()).toBe(before);

		const version = versions!.get(rw.id)!;
		const paid = recordCash(db, treasurer, { houseId: rw.houses[0]!.id, amount: 75_000, allowCredit: false }, TEST_NOW);
		// Not yet committed: the version this process knows is the old one.
		expect(versions!.get(rw.id)).toBe(version);
		expect(await paid).toMatchObject({ ok: true });
		expect(versions!.get(rw.id)).toBeGreaterThan(version);
		expect((await residentDues(db, resident, TEST_NOW))!.openAmount).toBe(75_000);
	});

	it('keep a view computed while a payment committed under the version taken before it', async () => {
		// The payment commits right after the view's statement read its data, before the view is kept:
		// kept under the version taken after its data, the view would carry the payment's version without the payment.
		const { rw, treasurer, resident } = await setup();
		const batch = db.batch;
		let paid = false;
		db.batch = async (statements) => {
			db.batch = batch;
			const rows = await batch(statements);
			expect(await recordCash(db, treasurer, { houseId: rw.houses[0]!.id, amount: 75_000, allowCredit: false }, TEST_NOW)).toMatchObject({ ok: true });
			paid = true;
			return rows;
		};
		try {
			expect((await residentDues(db, resident, TEST_NOW))!.openAmount).toBe(150_000);
		} finally {
			db.batch = batch;
		}
		expect(paid).toBe(true);
		const next = await residentDues(db, resident, TEST_NOW);
		expect([next!.openAmount, next!.payments.length]).toEqual([75_000, 1]);
	});

	it('ask the database again after announcements may have been lost', async () => {
		const { rw, resident } = await setup();
		expect((await residentDues(db, resident, TEST_NOW))!.pay.bankName).toBe('');
		// Several statements in one message: the first transaction commits, then one fails (its announcement is dropped with the rest of the output).
		await expect(db.exec(`begin; insert into dues_settings (rw_id, bank_name) values ('${rw.id}', 'Bank Lost'); commit; select 1 / 0;`)).rejects.toThrow(/division by zero/);
		expect(versions!.get(rw.id)).toBeUndefined();
		expect((await residentDues(db, resident, TEST_NOW))!.pay.bankName).toBe('Bank Lost');
		expect(versions!.get(rw.id)).toBeDefined();
	});
});
