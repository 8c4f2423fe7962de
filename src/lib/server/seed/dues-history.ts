import { addMonths, monthOf } from '$lib/domain/dues';
import type { Database } from '../db';

/**
 * Dues history at benchmark scale (`npm run seed:scale -- --dues-months 60`): for every
 * house of the RW, an invoice per month for the months before this one, nine in ten
 * paid in cash in their month (a payment, its allocation, the invoice paid), written
 * set-based in one transaction; the rollups follow from the triggers (each paid invoice
 * is paid whole, so its one allocation pays all its components: the income by month). Tariffs valid
 * from the first month are added where the RW has none that early. Idempotent: months
 * that have invoices are skipped.
 */
export async function seedDuesHistory(db: Database, rwId: string, months: number, now = new Date()): Promise<{ invoices: number; payments: number }> {
	const current = monthOf(now);
	const first = addMonths(current, -months);
	return db.transaction(async (tx) => {
		const [treasurer] = await tx.query<{ user_id: string }>(`select user_id from membership where rw_id = $1 and role in ('treasurer', 'rw_admin') order by role desc limit 1`, [rwId]);
		if (!treasurer) throw new Error('the RW needs a treasurer or RW admin to record the history');
		await tx.query(
			`insert into dues_tariff (rw_id, category, valid_from, components, total)
			 select $1, c, $2::date, j, app.dues_components_total(j)
			   from (values ('house', '[{"name":"keamanan","amount":40000},{"name":"kebersihan","amount":20000}]'::jsonb),
			                ('shop', '[{"name":"keamanan","amount":80000},{"name":"kebersihan","amount":40000}]'::jsonb),
			                ('boarding', '[{"name":"keamanan","amount":80000},{"name":"kebersihan","amount":40000}]'::jsonb),
			                ('empty_lot', '[{"name":"kebersihan","amount":15000}]'::jsonb)) as t(c, j)
			  where not exists (select 1 from dues_tariff x where x.rw_id = $1 and x.category = t.c and x.rt_id is null and x.valid_from <= $2::date)
			 on conflict do nothing`,
			[rwId, first]
		);
		// The cash book's row trigger would run once per payment (~100,000): off for this
		// statement, and the months it keeps are added set-based below, in the same transaction.
		await tx.query('alter table dues_payment disable trigger dues_payment_cash');
		const [made] = await tx.query<{ n: number }>(
			`with months as (
			   select m::date as month from generate_series($2::date, ($3::date - interval '1 month'), interval '1 month') m
			    where not exists (select 1 from dues_invoice i where i.rw_id = $1 and i.month = m::date)
			 ), pick as (
			   select distinct on (h.id, ms.month) h.id as house_id, h.rt_id, ms.month, t.id as tariff_id, t.components, t.total
			     from house h cross join months ms
			     join dues_tariff t on t.rw_id = h.rw_id and t.category = h.category and (t.rt_id is null or t.rt_id = h.rt_id) and t.valid_from <= ms.month
			    where h.rw_id = $1
			    order by h.id, ms.month, (t.rt_id is not null) desc, t.valid_from desc
			 ), created as (
			   insert into dues_invoice (rw_id, rt_id, house_id, month, tariff_id, components, amount, paid, due_on)
			   select $1, rt_id, house_id, month, tariff_id, components, total,
			          case when abs(hashtext(house_id::text || month::text)) % 10 <> 0 then total else 0 end, month + 9
			     from pick
			   on conflict (house_id, month) do nothing
			   returning id, house_id, month, paid, components
			 ), paid as (
			   select * from created where paid > 0
			 ), payments as (
			   insert into dues_payment (id, rw_id, house_id, method, amount, unallocated, received_on, receipt_number, verify_token, recorded_by, recorded_at)
			   select id, $1, house_id, 'cash', paid, 0, month + 5, 'SC-' || replace(id::text, '-', ''), replace(id::text, '-', ''), $4, month + 5
			     from paid
			   returning id
			 ), allocations as (
			   insert into dues_allocation (rw_id, payment_id, invoice_id, amount, at, components) select $1, id, id, paid, month + 5, components from paid
			 )
			 select (select count(*) from created)::int as n`,
			[rwId, first, current, treasurer.user_id]
		);
		await tx.query('alter table dues_payment enable trigger dues_payment_cash');
		await tx.query(
			`insert into dues_cash_month as c (rw_id, month, income, expense)
			 select $1::uuid, date_trunc('month', received_on)::date, sum(amount), 0 from dues_payment
			  where rw_id = $1::uuid and receipt_number like 'SC-%' and received_on < $2::date group by 1, 2
			 on conflict (rw_id, month) do update set income = excluded.income`,
			[rwId, current]
		);
		const [paid] = await tx.query<{ n: number }>(`select count(*)::int as n from dues_payment where rw_id = $1 and receipt_number like 'SC-%'`, [rwId]);
		return { invoices: made!.n, payments: paid!.n };
	});
}
