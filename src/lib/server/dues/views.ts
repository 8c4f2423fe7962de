import { addMonths, invoiceStatus, monthOf, wibDate } from '$lib/domain/dues';
import type { BehindHouse, DuesDashboard, ReceiptSummary, ResidentDues, ResidentReceipt, RtRate } from '$lib/views/dues';
import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { throughCache } from './cache';
import { claims, HOUSE_LABEL, rwRows } from './sql';

/**
 * What the dues pages read, as the user (RLS): a resident's own house, the treasurer's
 * dashboard (from the rollups and the house status, not a scan of the invoices), the
 * verification queue, and the monthly report every member sees.
 */

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
  p.voided_at::text as voided_at, p.void_reason, ${HOUSE_LABEL} as house`;

/** Months of invoices per page of `/iuran`, receipts on `/iuran` and per page of `/iuran/kuitansi`, latest proofs. */
export const RESIDENT_MONTHS_PAGE = 6;
export const RESIDENT_RECEIPTS = 3;
export const RESIDENT_RECEIPTS_PAGE = 20;
const RESIDENT_PROOFS = 5;

/** A resident's receipts, newest first, `limit` rows from `offset` (with `token`, that of each one's verification page). */
const RECEIPTS = (house: string, limit: string, offset: string, token: boolean) => `
  select id, receipt_number, amount::int8 as amount, received_on::text as received_on,${token ? ' verify_token,' : ''} voided_at is not null as voided
    from dues_payment where house_id = ${house} order by received_on desc, recorded_at desc limit ${limit} offset ${offset}`;

/**
 * A resident's own house in one statement (RLS: their house only): one page of invoices,
 * newest month first, the latest receipts and proofs, what is open, and the RW's pay
 * instructions (`$5` the RW). Only what the page shows: an invoice is its month,
 * amount, paid and status.
 */
const RESIDENT = `
json_build_object(
  'invoices', coalesce((select json_agg(json_build_array(x.month, x.amount, x.paid, x.due_on) order by x.month desc) from (
      select month::text as month, amount::int8 as amount, paid::int8 as paid, due_on::text as due_on
        from dues_invoice where house_id = $1 order by month desc limit $2::int + 1 offset $3::int) x), '[]'::json),
  'payments', coalesce((select json_agg(x) from (${RECEIPTS('$1', '$4::int', '0', false)}) x), '[]'::json),
  'proofs', coalesce((select json_agg(x order by x.submitted_at desc) from (
      select id, amount::int8 as amount, status, reason, submitted_at::text as submitted_at
        from dues_proof where house_id = $1 order by submitted_at desc limit ${RESIDENT_PROOFS}) x), '[]'::json),
  'status', (select json_build_object('open_amount', open_amount::int8, 'open_months', open_months, 'credit', credit::int8) from dues_house_status where house_id = $1),
  'pay', (select json_build_object('bankName', bank_name, 'bankAccount', bank_account, 'bankHolder', bank_holder, 'hasQris', qris_file_key is not null)
            from dues_settings where rw_id = $5)
)`;

interface ResidentRow {
	invoices: [string, number, number, string][];
	payments: ReceiptSummary[];
	proofs: ResidentDues['proofs'];
	status: { open_amount: number; open_months: number; credit: number } | null;
	pay: ResidentDues['pay'] | null;
}

const NO_PAY_INSTRUCTIONS: ResidentDues['pay'] = { bankName: '', bankAccount: '', bankHolder: '', hasQris: false };

/**
 * `/iuran`: page `page` (1 = the newest months) of the resident's invoices, their latest
 * receipts and proofs, what is open and how to pay. The statement's rows are kept per
 * house, page and dues version for the house's residents (docs/dues.md, "Cached views");
 * each invoice's status is worked out for today on every request.
 */
export async function residentDues(db: Database, user: SessionUser, now: Date, page = 1): Promise<ResidentDues | null> {
	const houseId = user.houseId;
	if (!houseId) return null;
	const mine = await throughCache(
		db,
		user,
		'resident',
		`${houseId}:${page}`,
		{ text: RESIDENT, params: [houseId, RESIDENT_MONTHS_PAGE, (page - 1) * RESIDENT_MONTHS_PAGE, RESIDENT_RECEIPTS, user.rwId] },
		(row: ResidentRow) => row
	);
	const { invoices, payments, proofs, status, pay } = mine;
	const today = wibDate(now);
	return {
		houseId,
		page,
		invoices: invoices
			.slice(0, RESIDENT_MONTHS_PAGE)
			.map(([month, amount, paid, dueOn]) => ({ month, amount, paid, status: invoiceStatus({ amount, paid, dueOn }, today) })),
		olderInvoices: invoices.length > RESIDENT_MONTHS_PAGE,
		payments,
		proofs,
		openAmount: status?.open_amount ?? 0,
		openMonths: status?.open_months ?? 0,
		credit: status?.credit ?? 0,
		pay: pay ?? NO_PAY_INSTRUCTIONS
	};
}

/** `/iuran/kuitansi`: page `page` of the resident's receipts, newest first. */
export async function residentReceipts(db: Database, user: SessionUser, page = 1): Promise<{ receipts: ResidentReceipt[]; hasNext: boolean } | null> {
	const houseId = user.houseId;
	if (!houseId) return null;
	const rows = await listAsUser<ResidentReceipt>(db, claims(user), RECEIPTS('$1', '$2::int + 1', '$3::int', true), [
		houseId,
		RESIDENT_RECEIPTS_PAGE,
		(page - 1) * RESIDENT_RECEIPTS_PAGE
	]);
	return { receipts: rows.slice(0, RESIDENT_RECEIPTS_PAGE), hasNext: rows.length > RESIDENT_RECEIPTS_PAGE };
}

/** Houses behind per page of `/treasurer/tunggakan`, and on the dashboard. */
export const BEHIND_PAGE = 50;
export const BEHIND_ON_DASHBOARD = 10;

/**
 * Houses behind of the RW (`$1`), most months open first, then most owed: `$2` rows from
 * `$3`, read in the order of the index `dues_house_status_behind_idx` (no sort of every
 * house), the house looked up per listed row (`offset 0` keeps it a lookup).
 */
const BEHIND = `
select s.house_id, ${HOUSE_LABEL} as house, s.open_amount::int8 as open_amount, s.open_months
  from (select house_id, open_amount, open_months from dues_house_status where rw_id = $1 and open_months > 0
         order by open_months desc, open_amount desc, house_id limit $2::int offset $3::int) s
  cross join lateral (select h.block, h.number, h.rt_id from house h where h.id = s.house_id offset 0) h
  join rt on rt.id = h.rt_id
 order by s.open_months desc, s.open_amount desc, s.house_id`;

/**
 * The treasurer's dashboard in one statement (one round trip as the treasurer, RLS on:
 * docs/dues.md, "Treasurer pages"): this month's collection summed over the RTs' rollup
 * rows, the first houses behind (one more tells whether the full list has more), the
 * queue's size, this month's cash and the balance (the opening balance and the months of
 * the book, from the monthly cash rollup). The rates per RT and the full list of houses
 * behind are on their own pages.
 */
const DASHBOARD = `
json_build_object(
  'collection', (select json_build_object('invoiced', coalesce(sum(invoiced), 0)::int8, 'collected', coalesce(sum(collected), 0)::int8,
                                          'invoices', coalesce(sum(invoices), 0)::int, 'paid_invoices', coalesce(sum(paid_invoices), 0)::int)
                   from dues_rollup where rw_id = $1 and month = $4::date),
  'behind', coalesce((select json_agg(x) from (${BEHIND}) x), '[]'::json),
  'queue', (select count(*)::int from dues_proof where rw_id = $1 and status = 'submitted'),
  'cash', (select json_build_object('income', coalesce(sum(income) filter (where month = $4::date), 0)::int8,
                                    'expense', coalesce(sum(expense) filter (where month = $4::date), 0)::int8,
                                    'balance', (coalesce(max(o.opening_balance), 0) + coalesce(sum(income - expense), 0))::int8)
             from (select (select opening_balance from dues_settings where rw_id = $1) as opening_balance,
                          (select opening_month from dues_settings where rw_id = $1) as opening_month) o
             left join dues_cash_month c on c.rw_id = $1 and c.month >= coalesce(o.opening_month, '-infinity'::date))
)`;

/**
 * The dashboard is the same for every treasurer of the RW in a month: computed once per
 * dues version (docs/dues.md, "Cached views"); anyone else gets what RLS lets them read.
 */
export function treasurerDashboard(db: Database, user: SessionUser, now: Date): Promise<DuesDashboard> {
	const month = monthOf(now);
	return throughCache(
		db,
		user,
		'manager',
		`dashboard:${month}`,
		{ text: DASHBOARD, params: [user.rwId, BEHIND_ON_DASHBOARD + 1, 0, month] },
		({ behind, ...rest }: Omit<DuesDashboard, 'month' | 'moreBehind'>): DuesDashboard => ({
			month,
			...rest,
			behind: behind.slice(0, BEHIND_ON_DASHBOARD),
			moreBehind: behind.length > BEHIND_ON_DASHBOARD
		})
	);
}

/** `/treasurer/tunggakan`: page `page` of the houses behind, and how many there are. */
export async function housesBehind(db: Database, user: SessionUser, page = 1): Promise<{ houses: BehindHouse[]; total: number }> {
	const [row] = await rwRows<{ houses: BehindHouse[]; total: number }>(
		db,
		user,
		`select coalesce((select json_agg(x) from (${BEHIND}) x), '[]'::json) as houses,
		        (select count(*)::int from dues_house_status where rw_id = $1 and open_months > 0) as total`,
		[BEHIND_PAGE, (page - 1) * BEHIND_PAGE]
	);
	return row!;
}

/** `/treasurer/tingkat`: the collection per RT and month over the 12 months to this one (`dues_rollup`). */
export async function collectionRates(db: Database, user: SessionUser, now: Date): Promise<{ month: string; rates: RtRate[] }> {
	const month = monthOf(now);
	const rates = await rwRows<RtRate>(
		db,
		user,
		`select rt.number as rt_number, r.month::text as month, r.invoiced::int8 as invoiced, r.collected::int8 as collected, r.invoices, r.paid_invoices
		   from dues_rollup r join rt on rt.id = r.rt_id
		  where r.rw_id = $1 and r.month between $2::date and $3::date order by r.month, rt.number`,
		[addMonths(month, -11), month]
	);
	return { month, rates };
}

export function verificationQueue(db: Database, user: SessionUser): Promise<ProofView[]> {
	return listAsUser<ProofView>(
		db,
		claims(user),
		`select d.id, d.house_id, ${HOUSE_LABEL} as house, d.method,
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
		`select h.id, ${HOUSE_LABEL} as label,
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
		`select h.id, ${HOUSE_LABEL} as label, h.lat, h.lng,
		        case when coalesce(s.open_months, 0) = 0 then 'paid' when s.open_months = 1 then 'partial' else 'behind' end as status,
		        coalesce(s.open_months, 0) as open_months
		   from house h join rt on rt.id = h.rt_id left join dues_house_status s on s.house_id = h.id
		  where h.rw_id = $1 and h.lat is not null and h.lng is not null and exists (select 1 from dues_invoice i where i.house_id = h.id)`,
		[user.rwId]
	);
}
