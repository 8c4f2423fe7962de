/**
 * The money rules of dues (docs/dues.md): tariffs and what an invoice freezes of them,
 * oldest-first allocation of payments with partial payments and credit carried, and
 * what voiding a payment gives back. Pure: the server runs these inside one
 * transaction and writes what they return.
 */
import { AREAS } from './roles';

/** A month is its first day, `YYYY-MM-01`. */
export type Month = string;

export interface Component {
	name: string;
	amount: number;
}

export const COMPONENT_NAME = /^[\p{L}\p{N} ./&-]{1,40}$/u;

/** The total of a tariff's components, or null when one is not a whole non-negative rupiah amount or has no name. */
export function componentsTotal(components: readonly Component[]): number | null {
	if (components.length === 0) return null;
	let total = 0;
	for (const c of components) {
		if (!Number.isSafeInteger(c.amount) || c.amount < 0 || !COMPONENT_NAME.test(c.name)) return null;
		total += c.amount;
	}
	return Number.isSafeInteger(total) ? total : null;
}

export interface Tariff {
	id: string;
	category: string;
	rtId: string | null;
	validFrom: Month;
	components: readonly Component[];
}

/**
 * The tariff that applies to a house in a month: of those valid by then for its
 * category, one set for its RT before one for the whole RW, then the latest.
 */
export function tariffFor(tariffs: readonly Tariff[], house: { category: string; rtId: string }, month: Month): Tariff | null {
	let best: Tariff | null = null;
	for (const t of tariffs) {
		if (t.category !== house.category || t.validFrom > month || (t.rtId !== null && t.rtId !== house.rtId)) continue;
		if (!best || rank(t) > rank(best)) best = t;
	}
	return best;
	function rank(t: Tariff): string {
		return `${t.rtId ? 1 : 0}${t.validFrom}`;
	}
}

/** What an invoice keeps of its tariff: a copy, so a later tariff never changes it. */
export function freezeInvoice(tariff: Tariff): { tariffId: string; components: Component[]; amount: number } {
	const components = tariff.components.map((c) => ({ name: c.name, amount: c.amount }));
	const amount = componentsTotal(components);
	if (amount === null) throw new RangeError('tariff with an invalid component');
	return { tariffId: tariff.id, components, amount };
}

// ---- months and due dates ---------------------------------------------------------

/** WIB is UTC+7 all year (no daylight saving): its day is the UTC day 7 hours on. */
const WIB_OFFSET_MS = 7 * 3600_000;

/**
 * The WIB calendar day of an instant, `YYYY-MM-DD`: by arithmetic, as every dues page
 * asks it on every request (an `Intl` formatter with a time zone costs several times more).
 */
export function wibDate(now: Date): string {
	return new Date(now.getTime() + WIB_OFFSET_MS).toISOString().slice(0, 10);
}

/** The WIB month of an instant. */
export function monthOf(now: Date): Month {
	return `${wibDate(now).slice(0, 7)}-01`;
}

export function isMonth(value: string): value is Month {
	return /^\d{4}-(0[1-9]|1[0-2])-01$/.test(value);
}

export function addMonths(month: Month, n: number): Month {
	const y = Number(month.slice(0, 4));
	const m = Number(month.slice(5, 7)) - 1 + n;
	const year = y + Math.floor(m / 12);
	const mm = ((m % 12) + 12) % 12;
	return `${String(year).padStart(4, '0')}-${String(mm + 1).padStart(2, '0')}-01`;
}

/** The day an invoice of `month` falls due: `overdueDay` of that month. */
export function dueOn(month: Month, overdueDay: number): string {
	return `${month.slice(0, 8)}${String(overdueDay).padStart(2, '0')}`;
}

export type InvoiceStatus = 'paid' | 'partial' | 'open' | 'overdue';

export function invoiceStatus(invoice: { amount: number; paid: number; dueOn: string }, today: string): InvoiceStatus {
	if (invoice.paid >= invoice.amount) return 'paid';
	if (today > invoice.dueOn) return 'overdue';
	return invoice.paid > 0 ? 'partial' : 'open';
}

// ---- allocation ---------------------------------------------------------------------

export interface OpenInvoice {
	id: string;
	month: Month;
	/** amount − paid, > 0 */
	open: number;
}

export interface Source {
	/** A payment whose unallocated part is spent. */
	id: string;
	available: number;
}

export interface Allocation {
	sourceId: string;
	invoiceId: string;
	amount: number;
}

/**
 * Spends the sources in the order given on the invoices oldest month first: each
 * invoice is filled before the next, a source may cover part of one (partial
 * payment), and what no invoice needs stays with its source (credit).
 */
export function allocate(sources: readonly Source[], invoices: readonly OpenInvoice[]): { allocations: Allocation[]; left: Map<string, number> } {
	const queue = [...invoices].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : a.id < b.id ? -1 : 1));
	const left = new Map(sources.map((s) => [s.id, s.available]));
	const allocations: Allocation[] = [];
	let i = 0;
	let need = queue[0]?.open ?? 0;
	for (const source of sources) {
		let have = source.available;
		while (have > 0 && i < queue.length) {
			const take = Math.min(have, need);
			if (take > 0) allocations.push({ sourceId: source.id, invoiceId: queue[i]!.id, amount: take });
			have -= take;
			need -= take;
			if (need === 0) need = queue[++i]?.open ?? 0;
		}
		left.set(source.id, have);
	}
	return { allocations, left };
}

export type PaymentPlan =
	| { ok: true; allocations: Allocation[]; credit: number }
	| { ok: false; reason: 'amount_invalid' | 'over_owed'; owed: number };

/**
 * A new payment of `amount` against a house's open invoices. More than is owed is
 * refused unless the treasurer decided to keep the rest as credit (`allowCredit`).
 */
export function planPayment(paymentId: string, amount: number, invoices: readonly OpenInvoice[], allowCredit: boolean): PaymentPlan {
	const owed = invoices.reduce((sum, i) => sum + i.open, 0);
	if (!Number.isSafeInteger(amount) || amount <= 0) return { ok: false, reason: 'amount_invalid', owed };
	if (amount > owed && !allowCredit) return { ok: false, reason: 'over_owed', owed };
	const { allocations, left } = allocate([{ id: paymentId, available: amount }], invoices);
	return { ok: true, allocations, credit: left.get(paymentId) ?? 0 };
}

/** What voiding a payment gives back: per invoice, the amount its `paid` goes down by. */
export function reversal(allocations: readonly { invoiceId: string; amount: number }[]): Map<string, number> {
	const back = new Map<string, number>();
	for (const a of allocations) back.set(a.invoiceId, (back.get(a.invoiceId) ?? 0) + a.amount);
	return back;
}

/** How much of each component an invoice's paid amount covers (components filled in their listed order). */
export function componentCover(components: readonly Component[], paid: number): Component[] {
	let rest = paid;
	return components.map((c) => {
		const amount = Math.max(0, Math.min(c.amount, rest));
		rest -= amount;
		return { name: c.name, amount };
	});
}

/**
 * Which components each allocation pays, in the order the allocations are written:
 * an invoice's paid amount covers its components in their listed order, so an
 * allocation covers the slice between the invoice's paid before it and after it.
 * The transparency report counts these in the month the payment was received.
 */
export function allocationCovers(
	allocations: readonly { invoiceId: string; amount: number }[],
	invoices: ReadonlyMap<string, { components: readonly Component[]; paid: number }>
): Component[][] {
	const paid = new Map([...invoices].map(([id, i]) => [id, i.paid]));
	return allocations.map((a) => {
		const invoice = invoices.get(a.invoiceId);
		if (!invoice) throw new RangeError(`allocation to an unknown invoice ${a.invoiceId}`);
		const before = paid.get(a.invoiceId)!;
		paid.set(a.invoiceId, before + a.amount);
		const from = componentCover(invoice.components, before);
		return componentCover(invoice.components, before + a.amount).map((c, i) => ({ name: c.name, amount: c.amount - from[i]!.amount }));
	});
}

/** `KW-0007/RW012/2026`: a receipt's number in the RW's register of the year. */
export function receiptNumber(seq: number, rwCode: string, year: number): string {
	return `KW-${String(seq).padStart(4, '0')}/${rwCode}/${year}`;
}

// ---- the treasurer's pages -------------------------------------------------------------

/** The treasurer's area, as the route guard has it (roles.ts): the menu's links are built on it. */
export const TREASURER_AREA = AREAS.find((a) => a.action === 'area.treasurer')!.prefix;

/**
 * The treasurer's menu (TreasurerNav), in order: every page of the area (a unit test
 * checks each page under src/routes/treasurer is listed, and that each link is guarded
 * by the area or open to every member), then the report every member reads.
 */
export const TREASURER_NAV: readonly { href: string; key: string }[] = [
	{ href: TREASURER_AREA, key: 'dues.nav.dashboard' },
	{ href: `${TREASURER_AREA}/tunggakan`, key: 'dues.nav.behind' },
	{ href: `${TREASURER_AREA}/tingkat`, key: 'dues.nav.rates' },
	{ href: `${TREASURER_AREA}/verifikasi`, key: 'dues.nav.verify' },
	{ href: `${TREASURER_AREA}/bayar`, key: 'dues.nav.cash' },
	{ href: `${TREASURER_AREA}/kas`, key: 'dues.nav.book' },
	{ href: `${TREASURER_AREA}/peta`, key: 'dues.map.title' },
	{ href: `${TREASURER_AREA}/pengaturan`, key: 'dues.nav.settings' },
	{ href: '/iuran/laporan', key: 'dues.nav.report' }
];

/** `?hal=` of a paginated dues list: a whole page number from 1 (anything else is the first page). */
export function pageParam(raw: string | null): number {
	const n = raw !== null && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
	return n >= 1 ? n : 1;
}
