import { formatRupiah } from '$lib/domain/money';
import { MONTHS } from '$lib/domain/time';
import type { Database } from '../db';
import { listAsUser } from '../db';
import type { SessionUser } from '../auth/sessions';
// Only the type: PDFKit loads in the PDF worker, not in the main thread.
import type { LetterPdfInput } from '../letters/pdf';
import { renderLetterPdfOffThread } from '../letters/pdf-renderer';
import { monthlyReport } from './book';

const EXPENSE: Record<string, string> = {
	security: 'Gaji keamanan',
	cleaning: 'Kebersihan',
	pump: 'Pompa dan BBM',
	repair: 'Perbaikan',
	event: 'Kegiatan warga',
	admin: 'Administrasi',
	other: 'Lain-lain'
};

/** The monthly transparency report as a PDF, drawn by the letters' renderer (no QR needed: it links back to the page). */
export async function reportPdf(db: Database, user: SessionUser, month: string, origin: string): Promise<Uint8Array> {
	const report = await monthlyReport(db, user, month);
	const [rw] = await listAsUser<{ name: string; code: string; kelurahan: string; city: string }>(db, { sub: user.id, rw_id: user.rwId }, 'select name, code, kelurahan, city from rw where id = $1', [user.rwId]);
	const label = `${MONTHS.id[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
	const fields = [
		// Money in counts in the month it was received; the month's invoices apart.
		...report.income.map((c) => ({ label: `Iuran ${c.component} diterima`, value: formatRupiah(c.amount) })),
		...(report.incomeCredit > 0 ? [{ label: 'Titipan warga', value: formatRupiah(report.incomeCredit) }] : []),
		...report.byComponent.map((c) => ({ label: `Tagihan ${c.component} bulan ini`, value: `${formatRupiah(c.collected)} terbayar dari ${formatRupiah(c.invoiced)}` })),
		...report.byCategory.map((c) => ({ label: EXPENSE[c.category] ?? c.category, value: `−${formatRupiah(c.amount)}` })),
		{ label: 'Saldo awal', value: formatRupiah(report.book?.opening ?? 0) },
		{ label: 'Kas masuk', value: formatRupiah(report.book?.income ?? 0) },
		{ label: 'Kas keluar', value: formatRupiah(report.book?.expense ?? 0) },
		{ label: 'Saldo akhir', value: formatRupiah(report.book?.closing ?? 0) },
		{ label: 'Rumah menunggak', value: String(report.housesBehind) }
	];
	const input: LetterPdfInput = {
		rw: { name: rw!.name, code: rw!.code, kelurahan: rw!.kelurahan, city: rw!.city },
		number: `LAPORAN-${month.slice(0, 7)}`,
		title: `LAPORAN KEUANGAN IURAN WARGA ${label.toUpperCase()}`,
		opening: 'Ringkasan iuran yang terkumpul, pengeluaran dan saldo kas RW bulan ini:',
		fields,
		body: report.behind
			? `Rumah yang menunggak: ${report.behind.map((b) => `${b.house} (${b.months} bulan)`).join(', ') || '-'}`
			: 'Laporan ini terbuka untuk semua warga. Rincian per rumah tidak ditampilkan.',
		issuedAt: new Date(`${month}T00:00:00+07:00`),
		place: rw!.city,
		signer: { name: 'Bendahara', role: `Bendahara ${rw!.name}` },
		verifyUrl: `${origin.replace(/\/$/, '')}/iuran/laporan?bulan=${month.slice(0, 7)}`
	};
	return renderLetterPdfOffThread(input);
}
