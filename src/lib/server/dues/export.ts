import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { writeXlsx } from '../registry/spreadsheet';
import { cashBook } from './book';
import { claims } from './sql';

/**
 * Exports for the monthly meeting: invoices, payments and the cash book, as XLSX (the
 * registry's writer, exceljs) or CSV. Amounts are numbers (whole rupiah), so a
 * spreadsheet sums them.
 */

export type ExportKind = 'invoices' | 'payments' | 'cashbook';
export const EXPORT_KINDS: readonly ExportKind[] = ['invoices', 'payments', 'cashbook'];
type Cell = string | number | null;


async function table(db: Database, user: SessionUser, kind: ExportKind): Promise<{ sheet: string; headers: string[]; rows: Cell[][] }> {
	if (kind === 'invoices') {
		const rows = await listAsUser<{ month: string; rt: number; house: string; amount: number; paid: number; due_on: string }>(
			db,
			claims(user),
			`select to_char(i.month, 'YYYY-MM') as month, rt.number as rt, trim(both ' ' from h.block || ' ' || h.number) as house,
			        i.amount::int8 as amount, i.paid::int8 as paid, i.due_on::text as due_on
			   from dues_invoice i join house h on h.id = i.house_id join rt on rt.id = i.rt_id
			  where i.rw_id = $1 order by i.month, rt.number, h.block, h.number`,
			[user.rwId]
		);
		return {
			sheet: 'Tagihan',
			headers: ['Bulan', 'RT', 'Rumah', 'Tagihan', 'Dibayar', 'Sisa', 'Jatuh tempo'],
			rows: rows.map((r) => [r.month, r.rt, r.house, r.amount, r.paid, r.amount - r.paid, r.due_on])
		};
	}
	if (kind === 'payments') {
		const rows = await listAsUser<{ receipt_number: string; received_on: string; rt: number; house: string; method: string; amount: number; unallocated: number; void_reason: string | null }>(
			db,
			claims(user),
			`select p.receipt_number, p.received_on::text as received_on, rt.number as rt, trim(both ' ' from h.block || ' ' || h.number) as house,
			        p.method, p.amount::int8 as amount, p.unallocated::int8 as unallocated, p.void_reason
			   from dues_payment p join house h on h.id = p.house_id join rt on rt.id = h.rt_id
			  where p.rw_id = $1 order by p.received_on, p.receipt_number`,
			[user.rwId]
		);
		return {
			sheet: 'Pembayaran',
			headers: ['Kuitansi', 'Tanggal', 'RT', 'Rumah', 'Cara bayar', 'Jumlah', 'Saldo lebih', 'Dibatalkan karena'],
			rows: rows.map((r) => [r.receipt_number, r.received_on, r.rt, r.house, r.method, r.amount, r.unallocated, r.void_reason ?? ''])
		};
	}
	const book = await cashBook(db, user);
	return {
		sheet: 'Buku kas',
		headers: ['Bulan', 'Saldo awal', 'Masuk', 'Keluar', 'Saldo akhir'],
		rows: book.map((b) => [b.month.slice(0, 7), b.opening, b.income, b.expense, b.closing])
	};
}

export async function exportXlsx(db: Database, user: SessionUser, kind: ExportKind): Promise<Uint8Array> {
	const { sheet, headers, rows } = await table(db, user, kind);
	return writeXlsx(sheet, headers, rows);
}

/** A CSV cell: quoted when needed; text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvCell(value: Cell): string {
	if (value === null) return '';
	if (typeof value === 'number') return String(value);
	const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
	return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function exportCsv(db: Database, user: SessionUser, kind: ExportKind): Promise<string> {
	const { headers, rows } = await table(db, user, kind);
	// A byte-order mark, so spreadsheet programs read it as UTF-8.
	return `\uFEFF${[headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
