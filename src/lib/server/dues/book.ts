import { addMonths, type Month } from '$lib/domain/dues';
import { may } from '$lib/domain/permissions';
import { listAsUser, queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { newFileKey, type FileStore } from '../storage/files';
import type { AcceptedUpload } from '../storage/uploads';
import { throughCache } from './cache';
import { claims } from './sql';

/**
 * Expenses and the cash book: money out with its category and a photo of the note;
 * per month the opening balance, in (payments received), out (expenses) and the
 * running balance, read from the monthly rollup; and the monthly report every
 * member of the RW sees.
 */


export interface ExpenseInput {
	category: string;
	amount: number;
	spentOn: string;
	description: string;
}

export async function recordExpense(db: Database, user: SessionUser, store: FileStore, input: ExpenseInput, photo: AcceptedUpload | null): Promise<{ ok: true; id: string } | { ok: false; reason: 'forbidden' }> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const key = photo ? newFileKey('expenses', rwId, photo.ext) : null;
	if (photo && key) await store.put(key, photo.bytes, photo.contentType);
	try {
		const id = await withUser(db, claims(user), async (tx) => {
			const [row] = await tx.query<{ id: string }>(
				`insert into dues_expense (rw_id, category, amount, spent_on, description, photo_key, recorded_by) values ($1, $2, $3, $4, $5, $6, $7) returning id`,
				[rwId, input.category, input.amount, input.spentOn, input.description, key, user.id]
			);
			await audit(tx, { rwId, actorId: user.id, action: 'dues.expense', target: row!.id, detail: { ...input } });
			return row!.id;
		});
		return { ok: true, id };
	} catch (err) {
		if (key) await store.delete(key);
		throw err;
	}
}

/**
 * Voids an expense (never deleted): who, when and why stay on the row, the cash book's
 * month gives the amount back (trigger), the audit log keeps it. Twice is refused.
 */
export async function voidExpense(
	db: Database,
	user: SessionUser,
	input: { expenseId: string; reason: string },
	now: Date
): Promise<{ ok: true } | { ok: false; reason: 'forbidden' | 'not_found' }> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, claims(user), async (tx) => {
		const rows = await tx.query(
			'update dues_expense set voided_at = $3, voided_by = $4, void_reason = $5 where id = $1 and rw_id = $2 and voided_at is null returning id',
			[input.expenseId, rwId, now, user.id, input.reason]
		);
		if (rows.length === 0) return { ok: false, reason: 'not_found' } as const;
		await audit(tx, { rwId, actorId: user.id, action: 'dues.expense_void', target: input.expenseId, detail: { reason: input.reason } });
		return { ok: true } as const;
	});
}

export async function readExpensePhoto(db: Database, user: SessionUser, store: FileStore, id: string) {
	const rows = await queryAsUser<{ photo_key: string | null }>(db, claims(user), 'select photo_key from dues_expense where id = $1', [id]);
	return rows[0]?.photo_key ? store.get(rows[0].photo_key) : null;
}

export interface ExpenseRow {
	id: string;
	category: string;
	amount: number;
	spent_on: string;
	description: string;
	has_photo: boolean;
	voided_at: string | null;
	void_reason: string | null;
}

export function listExpenses(db: Database, user: SessionUser, month: Month): Promise<ExpenseRow[]> {
	return listAsUser<ExpenseRow>(
		db,
		claims(user),
		`select id, category, amount::int8 as amount, spent_on::text as spent_on, description, photo_key is not null as has_photo,
		        voided_at::text as voided_at, void_reason
		   from dues_expense where rw_id = $1 and spent_on >= $2::date and spent_on < $3::date order by spent_on desc, recorded_at desc`,
		[user.rwId, month, addMonths(month, 1)]
	);
}

export interface BookMonth {
	month: string;
	opening: number;
	income: number;
	expense: number;
	closing: number;
}

/** The cash book by month from the opening balance on (the rollup, one row a month). */
export async function cashBook(db: Database, user: SessionUser): Promise<BookMonth[]> {
	const [settings, months] = await Promise.all([
		listAsUser<{ opening_balance: number; opening_month: string }>(
			db,
			claims(user),
			'select opening_balance::int8 as opening_balance, opening_month::text as opening_month from dues_settings where rw_id = $1',
			[user.rwId]
		),
		listAsUser<{ month: string; income: number; expense: number }>(
			db,
			claims(user),
			'select month::text as month, income::int8 as income, expense::int8 as expense from dues_cash_month where rw_id = $1 order by month',
			[user.rwId]
		)
	]);
	const opening = settings[0]?.opening_balance ?? 0;
	const from = settings[0]?.opening_month ?? months[0]?.month;
	let balance = opening;
	const book: BookMonth[] = [];
	for (const m of months) {
		if (from && m.month < from) continue;
		const row = { month: m.month, opening: balance, income: m.income, expense: m.expense, closing: balance + m.income - m.expense };
		balance = row.closing;
		book.push(row);
	}
	return book;
}

export interface MonthlyReport {
	month: string;
	/** Dues money received in the month (payment date, WIB), by the component it paid. */
	income: { component: string; amount: number }[];
	/** Received in the month and kept as credit, not (yet) spent on an invoice: the cash in minus `income`. */
	incomeCredit: number;
	/** The month's own invoices: invoiced, and paid so far whenever it was received. */
	byComponent: { component: string; invoiced: number; collected: number }[];
	byCategory: { category: string; amount: number }[];
	book: BookMonth | null;
	housesBehind: number;
	/** Only when the RW turned names on. */
	behind: { house: string; months: number }[] | null;
}

/**
 * The report in one statement (docs/dues.md, "Transparency report"), from rollups only:
 * money received in the month by component (`dues_income_month`), the month's invoices
 * (`dues_component_rollup`), its expenses by category, its cash book row (the opening
 * balance plus every earlier month from the book's first month: `dues_cash_month`),
 * the houses behind on its invoices (`dues_rollup`), and whether the RW names them.
 */
const REPORT = `
with s as (
  select coalesce(d.opening_balance, 0)::int8 as opening, coalesce(d.report_names, false) as report_names,
         coalesce(d.opening_month, (select min(month) from dues_cash_month where rw_id = $1)) as from_month
    from (select 1) one left join dues_settings d on d.rw_id = $1
)
select json_build_object(
  'income', coalesce((select json_agg(json_build_object('component', component, 'amount', amount::int8) order by amount desc, component)
                        from dues_income_month where rw_id = $1 and month = $2::date and amount > 0), '[]'::json),
  'byComponent', coalesce((select json_agg(json_build_object('component', component, 'invoiced', invoiced::int8, 'collected', collected::int8) order by invoiced desc, component)
                             from dues_component_rollup where rw_id = $1 and month = $2::date), '[]'::json),
  'byCategory', coalesce((select json_agg(e order by e.amount desc, e.category) from (
                            select category, sum(amount)::int8 as amount from dues_expense
                             where rw_id = $1 and voided_at is null and spent_on >= $2::date and spent_on < $3::date group by category) e), '[]'::json),
  'book', (select json_build_object('month', c.month::text, 'opening', o.opening, 'income', c.income::int8, 'expense', c.expense::int8,
                                    'closing', o.opening + c.income - c.expense)
             from dues_cash_month c
             cross join lateral (select (s.opening + coalesce(sum(p.income - p.expense), 0))::int8 as opening from dues_cash_month p
                                  where p.rw_id = $1 and p.month >= s.from_month and p.month < $2::date) o
            where c.rw_id = $1 and c.month = $2::date and c.month >= s.from_month),
  'housesBehind', (select coalesce(sum(invoices - paid_invoices), 0)::int from dues_rollup where rw_id = $1 and month = $2::date),
  'reportNames', s.report_names
) from s`;

/**
 * The monthly transparency report: dues received in the month by component (counted
 * when the money came in, not by the invoice's month), the month's invoices, expenses
 * by category, the balance. No amount by name unless the RW turned it on.
 */
export function monthlyReport(db: Database, user: SessionUser, month: Month): Promise<MonthlyReport> {
	// The same for every member of the RW: computed once per dues version (docs/dues.md, "Cached views").
	return throughCache(
		db,
		user,
		'member',
		`report:${month}`,
		{ text: REPORT, params: [user.rwId, month, addMonths(month, 1)] },
		async ({ reportNames, ...report }: Omit<MonthlyReport, 'month' | 'incomeCredit' | 'behind'> & { reportNames: boolean }): Promise<MonthlyReport> => {
			// Residents may not read other houses' status rows: a function answers, only while the RW has names on.
			const behind = reportNames
				? await listAsUser<{ house: string; months: number }>(db, claims(user), 'select house, months from app.dues_behind_names($1)', [user.rwId])
				: null;
			const allocated = report.income.reduce((sum, i) => sum + i.amount, 0);
			return { month, ...report, incomeCredit: Math.max(0, (report.book?.income ?? 0) - allocated), behind };
		}
	);
}
