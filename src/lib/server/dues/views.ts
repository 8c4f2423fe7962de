import { addMonths, invoiceStatus, monthOf, wibDate, type Component, type InvoiceStatus } from '$lib/domain/dues';
import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/**
 * What the dues pages read, as the user (RLS): a resident's own house, the treasurer's
 * dashboard (from the rollups and the house status, not a scan of the invoices), the
 * verification queue, and the monthly report every member sees.
 */

const claims = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

export interface InvoiceView {
	id: string;
	month: string;
	amount: number;
	paid: number;
	due_on: string;
	components: Component[];
	status: InvoiceStatus;
}

export interface PaymentView {
	id: string;
	receipt_number: string;
	amount: number;
	method: string;
	received_on: string;
	verify_token: string;
	voided_at: string | null;
	void_reason: string | null;
	house: string;
}

export interface ProofView {
	id: string;
	house_id: string;
	house: string;
	method: string;
	amount: number;
	months: number;
	status: string;
	reason: string | null;
	submitted_at: string;
	submitted_by: string;
	open_amount: number;
}

const PAYMENT_COLUMNS = `p.id, p.receipt_number, p.amount::int8 as amount, p.method, p.received_on::text as received_on, p.verify_token,
  p.voided_at::text as voided_at, p.void_reason, trim(both ' ' from 'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || h.block || ' ' || h.number) as house`;

/** A resident's own house in one statement: 24 months of invoices, 50 payments, 20 proofs, what is open (RLS: their house only). */
const RESIDENT = `
select json_build_object(
  'invoices', coalesce((select json_agg(x order by x.month desc) from (
      select id, month::text as month, amount::int8 as amount, paid::int8 as paid, due_on::text as due_on, components
        from dues_invoice where house_id = $1 and month >= $2::date) x), '[]'::json),
  'payments', coalesce((select json_agg(x order by x.received_on desc, x.recorded_at desc) from (
      select ${PAYMENT_COLUMNS}, p.recorded_at from dues_payment p join house h on h.id = p.house_id join rt on rt.id = h.rt_id
       where p.house_id = $1 order by p.received_on desc, p.recorded_at desc limit 50) x), '[]'::json),
  'proofs', coalesce((select json_agg(x order by x.submitted_at desc) from (
      select id, method, amount::int8 as amount, months, status, reason, submitted_at::text as submitted_at
        from dues_proof where house_id = $1 order by submitted_at desc limit 20) x), '[]'::json),
  'status', (select json_build_object('open_amount', open_amount::int8, 'open_months', open_months, 'credit', credit::int8) from dues_house_status where house_id = $1)
) as mine`;

export async function residentDues(db: Database, user: SessionUser, now: Date) {
	const houseId = user.houseId;
	if (!houseId) return null;
	const [row] = await listAsUser<{
		mine: {
			invoices: Omit<InvoiceView, 'status'>[];
			payments: (PaymentView & { recorded_at?: string })[];
			proofs: { id: string; method: string; amount: number; months: number; status: string; reason: string | null; submitted_at: string }[];
			status: { open_amount: number; open_months: number; credit: number } | null;
		};
	}>(db, claims(user), RESIDENT, [houseId, addMonths(monthOf(now), -23)]);
	const { invoices, payments, proofs, status } = row!.mine;
	const today = wibDate(now);
	return {
		houseId,
		invoices: invoices.map((i) => ({ ...i, status: invoiceStatus({ amount: i.amount, paid: i.paid, dueOn: i.due_on }, today) })),
		payments: payments.map(({ recorded_at: _at, ...p }) => p),
		proofs,
		openAmount: status?.open_amount ?? 0,
		openMonths: status?.open_months ?? 0,
		credit: status?.credit ?? 0
	};
}

export interface RtRate {
	rt_number: number;
	month: string;
	invoiced: number;
	collected: number;
	invoices: number;
	paid_invoices: number;
}

export interface BehindHouse {
	house_id: string;
	house: string;
	rt_number: number;
	open_amount: number;
	open_months: number;
	oldest_open: string | null;
	credit: number;
	lat: number | null;
	lng: number | null;
}

export interface CategoryCount {
	rt_number: number;
	category: string;
	houses: number;
}

/**
 * The treasurer's dashboard in one statement (one round trip as the treasurer, RLS on:
 * docs/dues.md, "Dashboards and rollups"): rates per RT over 12 months (`dues_rollup`),
 * the 100 houses most behind (`dues_house_status`, read in the order of its index
 * `dues_house_status_behind_idx`: months open, then amount open), the queue's size,
 * this month's cash, and the houses per RT and category.
 */
const DASHBOARD = `
select json_build_object(
  'rates', coalesce((
    select json_agg(x order by x.month, x.rt_number) from (
      select rt.number as rt_number, r.month::text as month, r.invoiced::int8 as invoiced, r.collected::int8 as collected, r.invoices, r.paid_invoices
        from dues_rollup r join rt on rt.id = r.rt_id
       where r.rw_id = $1 and r.month between $2::date and $3::date) x), '[]'::json),
  'behind', coalesce((
    select json_agg(x order by x.open_months desc, x.open_amount desc, x.house_id) from (
      select s.house_id, trim(both ' ' from h.block || ' ' || h.number) as house, h.rt_number,
             s.open_amount::int8 as open_amount, s.open_months, s.oldest_open::text as oldest_open, s.credit::int8 as credit, h.lat, h.lng
        from (select * from dues_house_status where rw_id = $1 and open_months > 0
               order by open_months desc, open_amount desc, house_id limit 100) s
        -- One lookup per listed house (offset 0 keeps it a lookup), not a scan of every house.
        cross join lateral (select h.block, h.number, h.lat, h.lng, (select rt.number from rt where rt.id = h.rt_id) as rt_number
                              from house h where h.id = s.house_id offset 0) h) x), '[]'::json),
  'queue', (select count(*)::int from dues_proof where rw_id = $1 and status = 'submitted'),
  'cash', coalesce((select json_build_object('income', income::int8, 'expense', expense::int8) from dues_cash_month where rw_id = $1 and month = $3::date),
                   json_build_object('income', 0, 'expense', 0)),
  'counts', coalesce((
    select json_agg(x order by x.rt_number, x.category) from (
      select rt.number as rt_number, h.category, count(*)::int as houses
        from house h join rt on rt.id = h.rt_id where h.rw_id = $1 group by rt.number, h.category) x), '[]'::json)
) as dashboard`;

export async function treasurerDashboard(db: Database, user: SessionUser, now: Date) {
	const month = monthOf(now);
	const [row] = await listAsUser<{
		dashboard: { rates: RtRate[]; behind: BehindHouse[]; queue: number; cash: { income: number; expense: number }; counts: CategoryCount[] };
	}>(db, claims(user), DASHBOARD, [user.rwId, addMonths(month, -11), month]);
	return { month, ...row!.dashboard };
}

export function verificationQueue(db: Database, user: SessionUser): Promise<ProofView[]> {
	return listAsUser<ProofView>(
		db,
		claims(user),
		`select d.id, d.house_id, trim(both ' ' from 'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || h.block || ' ' || h.number) as house, d.method,
		        d.amount::int8 as amount, d.months, d.status, d.reason, d.submitted_at::text as submitted_at, coalesce(u.name, '') as submitted_by,
		        coalesce(s.open_amount, 0)::int8 as open_amount
		   from dues_proof d join house h on h.id = d.house_id join rt on rt.id = h.rt_id
		   left join app_user u on u.id = d.submitted_by
		   left join dues_house_status s on s.house_id = d.house_id
		  where d.rw_id = $1 and d.status = 'submitted' order by d.submitted_at limit 50`,
		[user.rwId]
	);
}

export function recentPayments(db: Database, user: SessionUser, houseId: string | null = null): Promise<PaymentView[]> {
	return listAsUser<PaymentView>(
		db,
		claims(user),
		`select ${PAYMENT_COLUMNS} from dues_payment p join house h on h.id = p.house_id join rt on rt.id = h.rt_id
		  where p.rw_id = $1 and ($2::uuid is null or p.house_id = $2::uuid) order by p.recorded_at desc limit 50`,
		[user.rwId, houseId]
	);
}

export interface HouseOption {
	id: string;
	label: string;
	open_amount: number;
}

/** Houses for the cash form: every house of the RW with what it owes. */
export function houseOptions(db: Database, user: SessionUser): Promise<HouseOption[]> {
	return listAsUser<HouseOption>(
		db,
		claims(user),
		`select h.id, 'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || trim(both ' ' from h.block || ' ' || h.number) as label,
		        coalesce(s.open_amount, 0)::int8 as open_amount
		   from house h join rt on rt.id = h.rt_id left join dues_house_status s on s.house_id = h.id
		  where h.rw_id = $1 order by rt.number, h.block, length(h.number), h.number`,
		[user.rwId]
	);
}

/** One payment as the receipt shows it (RLS: the treasurer, officers, or the house's residents). */
export async function paymentForReceipt(db: Database, user: SessionUser, paymentId: string) {
	const rows = await listAsUser<PaymentView & { months: string[]; rw_name: string; rw_code: string; kelurahan: string; city: string; recorded_by: string }>(
		db,
		claims(user),
		`select ${PAYMENT_COLUMNS}, rw.name as rw_name, rw.code as rw_code, rw.kelurahan, rw.city, coalesce(u.name, '') as recorded_by,
		        coalesce((select array_agg(to_char(i.month, 'YYYY-MM') order by i.month) from dues_allocation a join dues_invoice i on i.id = a.invoice_id
		                   where a.payment_id = p.id), '{}') as months
		   from dues_payment p join house h on h.id = p.house_id join rt on rt.id = h.rt_id join rw on rw.id = p.rw_id
		   left join app_user u on u.id = p.recorded_by
		  where p.id = $1`,
		[paymentId]
	);
	return rows[0] ?? null;
}

export interface HousePoint {
	id: string;
	label: string;
	lat: number;
	lng: number;
	/** paid: nothing open; partial: one month open; behind: two or more. */
	status: 'paid' | 'partial' | 'behind';
	open_months: number;
}

/** Houses with a position, coloured by what they owe (the house status rollup, not the invoices). */
export function houseMap(db: Database, user: SessionUser): Promise<HousePoint[]> {
	return listAsUser<HousePoint>(
		db,
		claims(user),
		`select h.id, 'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || trim(both ' ' from h.block || ' ' || h.number) as label, h.lat, h.lng,
		        case when coalesce(s.open_months, 0) = 0 then 'paid' when s.open_months = 1 then 'partial' else 'behind' end as status,
		        coalesce(s.open_months, 0) as open_months
		   from house h join rt on rt.id = h.rt_id left join dues_house_status s on s.house_id = h.id
		  where h.rw_id = $1 and h.lat is not null and h.lng is not null and exists (select 1 from dues_invoice i where i.house_id = h.id)`,
		[user.rwId]
	);
}
