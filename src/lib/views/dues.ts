import type { InvoiceStatus } from '$lib/domain/dues';

/** What the dues pages receive (docs/dues.md, "Dashboards and rollups"): only what they show. */

export interface BehindHouse {
	house_id: string;
	/** `RT 005 · A 12` */
	house: string;
	open_amount: number;
	open_months: number;
}

/** `/treasurer`: this month's collection, the first houses behind, the queue and the cash. */
export interface DuesDashboard {
	month: string;
	collection: { invoiced: number; collected: number; invoices: number; paid_invoices: number };
	behind: BehindHouse[];
	/** Whether more houses are behind than listed (the full list is `/treasurer/tunggakan`). */
	moreBehind: boolean;
	queue: number;
	/** This month's money in and out, and the cash book's balance now. */
	cash: { income: number; expense: number; balance: number };
}

export interface RtRate {
	rt_number: number;
	month: string;
	invoiced: number;
	collected: number;
	invoices: number;
	paid_invoices: number;
}

export interface ResidentInvoice {
	month: string;
	amount: number;
	paid: number;
	status: InvoiceStatus;
}

/** A receipt as `/iuran` lists the latest: its number, date, amount, and the PDF to download. */
export interface ReceiptSummary {
	id: string;
	receipt_number: string;
	amount: number;
	received_on: string;
	voided: boolean;
}

/** On `/iuran/kuitansi` also the token of its public verification page, shared by WhatsApp. */
export interface ResidentReceipt extends ReceiptSummary {
	verify_token: string;
}

/** `/iuran`: one page of the house's invoices, its latest receipts and proofs, what is open. */
export interface ResidentDues {
	houseId: string;
	page: number;
	invoices: ResidentInvoice[];
	olderInvoices: boolean;
	/** The latest receipts (every one, and sharing, on `/iuran/kuitansi`). */
	payments: ReceiptSummary[];
	proofs: { id: string; amount: number; status: string; reason: string | null; submitted_at: string }[];
	openAmount: number;
	openMonths: number;
	credit: number;
	/** How to pay: the RW's bank account and whether it set a QRIS image. */
	pay: { bankName: string; bankAccount: string; bankHolder: string; hasQris: boolean };
}
