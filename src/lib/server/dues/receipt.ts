import { formatRupiah } from '$lib/domain/money';
import { MONTHS } from '$lib/domain/time';
import type { Database } from '../db';
import { withAnon } from '../db';
import type { SessionUser } from '../auth/sessions';
// Only the type: PDFKit loads in the PDF worker, not in the main thread.
import type { LetterPdfInput } from '../letters/pdf';
import { renderLetterPdfOffThread } from '../letters/pdf-renderer';
import { paymentForReceipt } from './views';

/**
 * A payment's receipt (kuitansi) as a PDF, drawn by the letters' renderer in its worker
 * thread with the letters' layout: kop surat, number, the payment's facts, the
 * treasurer, and a QR code to the public verification page `/v/{token}`. Rendered on
 * each download from the payment row (the same row draws the same PDF).
 */

const monthLabel = (ym: string) => `${MONTHS.id[Number(ym.slice(5, 7)) - 1]} ${ym.slice(0, 4)}`;
const METHOD: Record<string, string> = { cash: 'Tunai', transfer: 'Transfer bank', qris: 'QRIS' };

export async function receiptPdf(db: Database, user: SessionUser, paymentId: string, origin: string): Promise<{ bytes: Uint8Array; number: string } | null> {
	const p = await paymentForReceipt(db, user, paymentId);
	if (!p) return null;
	const input: LetterPdfInput = {
		rw: { name: p.rw_name, code: p.rw_code, kelurahan: p.kelurahan, city: p.city },
		number: p.receipt_number,
		title: p.voided_at ? 'KUITANSI IURAN WARGA (DIBATALKAN)' : 'KUITANSI IURAN WARGA',
		opening: 'Telah diterima pembayaran iuran warga dengan rincian berikut:',
		fields: [
			{ label: 'Rumah', value: p.house },
			{ label: 'Jumlah', value: formatRupiah(p.amount) },
			{ label: 'Cara bayar', value: METHOD[p.method] ?? p.method },
			{ label: 'Untuk bulan', value: p.months.length > 0 ? p.months.map(monthLabel).join(', ') : 'Saldo (kelebihan bayar)' },
			{ label: 'Tanggal terima', value: p.received_on }
		],
		body: p.voided_at
			? `Pembayaran ini dibatalkan: ${p.void_reason ?? ''}`
			: 'Kuitansi ini sah tanpa tanda tangan basah. Keasliannya dapat diperiksa dengan memindai kode QR.',
		issuedAt: new Date(`${p.received_on}T00:00:00+07:00`),
		place: p.city,
		signer: { name: p.recorded_by || 'Bendahara', role: `Bendahara ${p.rw_name}` },
		verifyUrl: `${origin.replace(/\/$/, '')}/v/${p.verify_token}`,
		cancelled: Boolean(p.voided_at)
	};
	return { bytes: await renderLetterPdfOffThread(input), number: p.receipt_number };
}

export interface ReceiptVerification {
	receipt_number: string;
	amount: number;
	received_on: string;
	method: string;
	house_label: string;
	months: string;
	voided_at: string | null;
	void_reason: string | null;
	rw_name: string;
}

/** What the public verification page shows of a receipt, or null for a token never issued. */
export async function verifyReceipt(db: Database, token: string): Promise<ReceiptVerification | null> {
	if (!/^[A-Za-z0-9_-]{22,64}$/.test(token)) return null;
	const rows = await withAnon(db, (tx) =>
		tx.query<ReceiptVerification & { amount: string | number }>(
			'select receipt_number, amount, received_on::text as received_on, method, house_label, months, voided_at::text as voided_at, void_reason, rw_name from app.verify_receipt($1)',
			[token]
		)
	);
	const r = rows[0];
	return r ? { ...r, amount: Number(r.amount) } : null;
}
