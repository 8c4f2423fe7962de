import { addMonths, monthOf, type Month } from '$lib/domain/dues';
import { may } from '$lib/domain/permissions';
import { withUser, type Database, type Sql } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { applyCredit } from './ledger';

/**
 * A month's invoices for every house of an RW, in one statement: for each house the
 * tariff of its category (its RT's before the RW's, the latest valid by then), its
 * components and total copied onto the invoice, exempt houses left out. Idempotent:
 * `unique (house_id, month)` and `on conflict do nothing`, so running it twice (the
 * 1st-of-the-month job and the treasurer's button, or two instances) adds nothing.
 * Houses with credit then spend it on the new invoice.
 */
const GENERATE = `
with settings as (
  select coalesce((select overdue_day from dues_settings where rw_id = $1), 10) as overdue_day
), pick as (
  select distinct on (h.id) h.id as house_id, h.rt_id, t.id as tariff_id, t.components, t.total
    from house h
    join dues_tariff t on t.rw_id = h.rw_id and t.category = h.category
                      and (t.rt_id is null or t.rt_id = h.rt_id) and t.valid_from <= $2::date
   where h.rw_id = $1
     and not exists (select 1 from dues_exemption e where e.house_id = h.id and e.from_month <= $2::date
                       and (e.to_month is null or e.to_month >= $2::date))
   order by h.id, (t.rt_id is not null) desc, t.valid_from desc
), created as (
  insert into dues_invoice (rw_id, rt_id, house_id, month, tariff_id, components, amount, due_on)
  select $1, p.rt_id, p.house_id, $2::date, p.tariff_id, p.components, p.total, $2::date + (s.overdue_day - 1)
    from pick p cross join settings s
  on conflict (house_id, month) do nothing
  returning 1
)
select count(*)::int as created from created`;

export async function generateIn(tx: Sql, rwId: string, month: Month, actorId: string | null): Promise<number> {
	const [row] = await tx.query<{ created: number }>(GENERATE, [rwId, month]);
	const created = row!.created;
	const withCredit = await tx.query<{ house_id: string }>(
		'select house_id from dues_house_status where rw_id = $1 and credit > 0 and open_amount > 0',
		[rwId]
	);
	for (const { house_id } of withCredit) await applyCredit(tx, rwId, house_id, actorId);
	await audit(tx, { rwId, actorId, action: 'dues.invoices_generated', target: month, detail: { created } });
	return created;
}

export type GenerateResult = { ok: true; created: number } | { ok: false; reason: 'forbidden' | 'future' };

/** The treasurer generates a month on demand (this month or an earlier one). */
export async function generateMonth(db: Database, user: SessionUser, month: Month, now: Date): Promise<GenerateResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	if (month > monthOf(now)) return { ok: false, reason: 'future' };
	const rwId = user.rwId;
	const created = await withUser(db, { sub: user.id, rw_id: rwId }, (tx) => generateIn(tx, rwId, month, user.id));
	return { ok: true, created };
}

/** The scheduled job: this month's invoices for every RW that has a tariff, as the server. */
export async function generateAllRws(db: Database, now: Date): Promise<number> {
	const month = monthOf(now);
	const rws = await db.query<{ rw_id: string }>('select distinct rw_id from dues_tariff where valid_from <= $1::date', [month]);
	let created = 0;
	for (const { rw_id } of rws) created += await db.transaction((tx) => generateIn(tx, rw_id, month, null));
	return created;
}

/**
 * Runs the job now (a month missed while the app was down is made up at start) and
 * then at the next WIB midnight of each 1st. Returns a stop function.
 */
export function scheduleMonthlyInvoices(db: Database, log: (m: string) => void, clock: () => Date = () => new Date()): () => void {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let stopped = false;
	const run = () => {
		generateAllRws(db, clock())
			.then((n) => n > 0 && log(`dues: ${n} invoice(s) generated for ${monthOf(clock())}`))
			.catch((err: unknown) => log(`dues: invoice generation failed: ${String(err)}`))
			.finally(() => {
				if (!stopped) arm();
			});
	};
	const arm = () => {
		const now = clock();
		// The next 1st, 00:00 WIB = the last day of the month before, 17:00 UTC.
		const next = new Date(`${addMonths(monthOf(now), 1)}T00:00:00+07:00`);
		// setTimeout holds at most ~24.8 days: wake up earlier and look again.
		timer = setTimeout(run, Math.min(next.getTime() - now.getTime() + 1000, 2 ** 31 - 1));
		timer.unref();
	};
	run();
	return () => {
		stopped = true;
		if (timer) clearTimeout(timer);
	};
}
