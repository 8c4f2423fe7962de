import { addMonths, monthOf, wibDate } from '$lib/domain/dues';
import type { Database } from '../db';
import { generateIn } from '../dues/generate';
import { recordPayment } from '../dues/ledger';
import { DEMO_RW, DEMO_USERS } from './demo';

/**
 * The demo RW's dues, once (skipped when it has a tariff): tariffs per house category,
 * pay instructions, invoices for this month and the three before, and cash payments
 * from most houses outside RT 001 so the treasurer's dashboard has something to show.
 * The demo resident (first house of RT 001) owes every month: she pays by proof.
 */
const TARIFFS: { category: string; components: { name: string; amount: number }[] }[] = [
	{ category: 'house', components: [{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 25_000 }] },
	{ category: 'shop', components: [{ name: 'keamanan', amount: 100_000 }, { name: 'kebersihan', amount: 50_000 }] },
	{ category: 'boarding', components: [{ name: 'keamanan', amount: 100_000 }, { name: 'kebersihan', amount: 50_000 }] },
	{ category: 'empty_lot', components: [{ name: 'kebersihan', amount: 20_000 }] }
];

export async function seedDemoDues(db: Database, now = new Date()): Promise<boolean> {
	const [rw] = await db.query<{ id: string; has: boolean }>(
		'select id, exists (select 1 from dues_tariff t where t.rw_id = rw.id) as has from rw where code = $1',
		[DEMO_RW.code]
	);
	if (!rw || rw.has) return false;
	const month = monthOf(now);
	const first = addMonths(month, -3);
	await db.transaction(async (tx) => {
		const [treasurer] = await tx.query<{ id: string }>('select id from app_user where phone = $1', [DEMO_USERS.find((u) => u.role === 'treasurer')!.phone]);
		for (const t of TARIFFS) {
			await tx.query(`insert into dues_tariff (rw_id, category, valid_from, components, total, created_by) values ($1, $2, $3, $4::text::jsonb, $5, $6)`, [
				rw.id,
				t.category,
				'2026-01-01',
				JSON.stringify(t.components),
				t.components.reduce((s, c) => s + c.amount, 0),
				treasurer?.id ?? null
			]);
		}
		await tx.query(
			`insert into dues_settings (rw_id, overdue_day, bank_name, bank_account, bank_holder, opening_month, opening_balance)
			 values ($1, 10, 'Bank BRI', '0123-01-000123-30-5', 'Bendahara RW 012', $2, 2500000) on conflict do nothing`,
			[rw.id, first]
		);
		for (let m = first; m <= month; m = addMonths(m, 1)) await generateIn(tx, rw.id, m, null);
		if (!treasurer) return;
		// Houses outside RT 001 pay: two in three pay up to last month, every fifth one this month too.
		const houses = await tx.query<{ id: string; open: string }>(
			`select s.house_id as id, s.open_amount::text as open from dues_house_status s join rt on rt.id = s.rt_id
			  where s.rw_id = $1 and rt.number > 1 order by rt.number, s.house_id`,
			[rw.id]
		);
		for (const [i, h] of houses.entries()) {
			if (i % 3 === 2) continue;
			const perMonth = Number(h.open) / 4;
			const amount = i % 5 === 0 ? Number(h.open) : perMonth * 3;
			if (!Number.isSafeInteger(amount) || amount <= 0) continue;
			await recordPayment(tx, {
				rwId: rw.id,
				rwCode: DEMO_RW.code,
				actorId: treasurer.id,
				houseId: h.id,
				amount,
				method: 'cash',
				proofId: null,
				allowCredit: false,
				receivedOn: wibDate(now)
			});
		}
		await tx.query(
			`insert into dues_expense (rw_id, category, amount, spent_on, description, recorded_by) values
			   ($1, 'security', 3000000, $2, 'Gaji dua petugas keamanan', $3),
			   ($1, 'pump', 450000, $2, 'Solar pompa banjir', $3)`,
			[rw.id, wibDate(now), treasurer.id]
		);
	});
	return true;
}
