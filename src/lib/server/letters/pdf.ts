/**
 * The issued letter as a PDF (docs/domain.md, "Administrative letters"): kop surat, title and
 * number, the holder's data, the body, signatures and a QR code that opens the public
 * verification page.
 *
 * Deterministic: the app keeps only the letter's data and the SHA-256 of its PDF, and
 * re-renders it on download, so the same input must give the same bytes.
 * - PDFKit's clock-based outputs are the Info dates and the trailer /ID. The dates are
 *   set from `issuedAt`; the /ID is an MD5 of the Info dictionary given to the
 *   constructor (PDFSecurity.generateFileID in pdfkit 0.20), which carries the number.
 * - Font subset tags derive from the per-document font ids (F1, F2), not from chance.
 * - Streams are not compressed: deflate output depends on the zlib build Node bundles,
 *   which changes between Node versions, while a letter is re-rendered for years.
 *   This costs ~70 KB instead of ~30 KB per letter.
 * - Dates come from a fixed month table, not Intl (see formatIndonesianDate).
 * A pdfkit, fontkit or dejavu-fonts-ttf upgrade, or any layout change here, changes the
 * bytes: tests/integration/letter-pdf.test.ts pins the hash of a sample letter.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode, { type BitMatrix } from 'qrcode';
// Relative, not $lib: this module also runs in the PDF worker thread (pdf-worker.ts).
import { formatIndonesianDate } from '../../domain/letter-number';

export interface LetterPdfInput {
	rw: { name: string; code: string; kelurahan: string; kecamatan?: string | null; city: string; address?: string | null };
	/** e.g. `014/SP-KTP/RW012/XI/2026` */
	number: string;
	/** e.g. `SURAT PENGANTAR PEMBUATAN KTP-EL` */
	title: string;
	/** The paragraph before the data table. */
	opening: string;
	fields: { label: string; value: string }[];
	/** Plain text after the table; a blank line separates paragraphs. */
	body: string;
	/** The date on the letter and the PDF's CreationDate. */
	issuedAt: Date;
	/** The city on the date line. */
	place: string;
	/** Frozen at issue time. */
	signer: { name: string; role: string };
	/** The RT head who approved it, shown as "Mengetahui" on the left. */
	rtSigner?: { name: string; role: string } | null;
	verifyUrl: string;
	cancelled?: boolean;
}

type Doc = PDFKit.PDFDocument;

const MM = 72 / 25.4;
const MARGIN = { top: 18 * MM, left: 25 * MM, right: 20 * MM, bottom: 12 * MM };
/** The QR code with its quiet zone, and the band kept free for it on every page. */
const QR_SIZE = 30 * MM;
const FOOTER = QR_SIZE + 6 * MM;
const QUIET_MODULES = 4;
/** Room for a wet signature and stamp. */
const SIGN_SPACE = 22 * MM;
const REGULAR = 'serif';
const BOLD = 'serif-bold';
const TEXT_SIZE = 11;

let fonts: Promise<{ regular: Buffer; bold: Buffer }> | null = null;

/** Registers the embedded fonts as `serif` and `serif-bold` (other PDFs of the app use them too). */
export async function registerPdfFonts(doc: Doc): Promise<void> {
	const { regular, bold } = await loadFonts();
	doc.registerFont(REGULAR, regular);
	doc.registerFont(BOLD, bold);
}

/**
 * DejaVu Serif from the dejavu-fonts-ttf package, found through Node's resolver so it
 * works from src/ under Vitest and from build/ (adapter-node keeps dependencies in
 * node_modules). Read once per process.
 */
function loadFonts() {
	if (!fonts) {
		const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
		fonts = Promise.all([readFile(path.join(dir, 'DejaVuSerif.ttf')), readFile(path.join(dir, 'DejaVuSerif-Bold.ttf'))]).then(
			([regular, bold]) => ({ regular, bold }),
			(err: unknown) => {
				fonts = null;
				throw new Error(`letter PDF: cannot read the DejaVu fonts in ${dir}`, { cause: err });
			}
		);
	}
	return fonts;
}

export { sha256Hex } from '../crypto/digest';

export async function renderLetterPdf(input: LetterPdfInput): Promise<Uint8Array> {
	const { regular, bold } = await loadFonts();
	const doc = new PDFDocument({
		size: 'A4',
		margins: { ...MARGIN, bottom: MARGIN.bottom + FOOTER },
		bufferPages: true,
		compress: false,
		// Read by PDFSecurity.generateFileID for the trailer /ID: keep it free of clocks.
		info: {
			Title: `${input.title} ${input.number}`,
			Subject: input.number,
			Author: input.rw.name,
			Creator: 'Rukun',
			Producer: 'Rukun (PDFKit)',
			CreationDate: input.issuedAt,
			ModDate: input.issuedAt
		}
	});
	const bytes = collectPdf(doc);
	doc.registerFont(REGULAR, regular);
	doc.registerFont(BOLD, bold);
	drawLetterhead(doc, input.rw);
	drawTitle(doc, input.title, input.number);
	drawParagraphs(doc, input.opening);
	drawFields(doc, input.fields);
	drawParagraphs(doc, input.body);
	drawSignatures(doc, input);
	decoratePages(doc, input);
	doc.end();
	return bytes;
}

/** The document's bytes once `doc.end()` has been called. */
export function collectPdf(doc: Doc): Promise<Uint8Array> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		doc.on('data', (chunk: Buffer) => chunks.push(chunk));
		doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
		doc.on('error', reject);
	});
}

const contentWidth = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;

/** `RUKUN WARGA 012` from a name like `RW 012 Kelurahan …` or the code `RW012`. */
function rwHeading(rw: LetterPdfInput['rw']): string {
	const m = /^\s*(?:RW|Rukun\s+Warga)\.?\s*(\d{1,4})\b/i.exec(rw.name) ?? /^\s*RW\s*(\d{1,4})\s*$/i.exec(rw.code);
	return m?.[1] ? `RUKUN WARGA ${m[1].padStart(3, '0')}` : rw.name.toUpperCase();
}

function drawLetterhead(doc: Doc, rw: LetterPdfInput['rw']) {
	const left = doc.page.margins.left;
	const width = contentWidth(doc);
	const centred = { width, align: 'center' } as const;
	const region = [`Kelurahan ${rw.kelurahan}`, rw.kecamatan ? `Kecamatan ${rw.kecamatan}` : ''].filter(Boolean).join(' ');
	doc.font(BOLD, 15).text(rwHeading(rw), left, doc.page.margins.top, centred);
	doc.font(BOLD, 12).text(region.toUpperCase(), centred);
	doc.font(REGULAR, 11).text(rw.city.toUpperCase(), centred);
	if (rw.address) doc.font(REGULAR, 9).text(rw.address, centred);
	// The double rule under a kop surat: thick, then thin.
	const y = doc.y + 4;
	doc.lineWidth(2).moveTo(left, y).lineTo(left + width, y).stroke();
	doc.lineWidth(0.6).moveTo(left, y + 3).lineTo(left + width, y + 3).stroke();
	doc.y = y + 16;
}

function drawTitle(doc: Doc, title: string, number: string) {
	const left = doc.page.margins.left;
	const width = contentWidth(doc);
	doc.font(BOLD, 12).text(title, left, doc.y, { width, align: 'center', underline: true });
	doc.font(REGULAR, TEXT_SIZE).text(`Nomor: ${number}`, left, doc.y + 2, { width, align: 'center' });
	doc.y += 14;
}

function drawParagraphs(doc: Doc, text: string) {
	const width = contentWidth(doc);
	for (const paragraph of text.replace(/\r\n?/g, '\n').split(/\n[^\S\n]*\n/)) {
		const trimmed = paragraph.trim();
		if (!trimmed) continue;
		doc.font(REGULAR, TEXT_SIZE).text(trimmed, doc.page.margins.left, doc.y, { width, align: 'justify', lineGap: 2 });
		doc.y += 8;
	}
}

/** Label : value rows; a long value wraps within its column. */
function drawFields(doc: Doc, fields: LetterPdfInput['fields']) {
	const x0 = doc.page.margins.left + 8 * MM;
	const labelWidth = 42 * MM;
	const colonWidth = 4 * MM;
	const valueWidth = doc.page.margins.left + contentWidth(doc) - x0 - labelWidth - colonWidth;
	let y = doc.y;
	doc.font(REGULAR, TEXT_SIZE);
	for (const { label, value } of fields) {
		const shown = value.trim() === '' ? '-' : value;
		const height = Math.max(doc.heightOfString(label, { width: labelWidth }), doc.heightOfString(shown, { width: valueWidth }));
		if (y + height > doc.page.maxY()) {
			doc.addPage();
			y = doc.page.margins.top;
		}
		doc.text(label, x0, y, { width: labelWidth });
		doc.text(':', x0 + labelWidth, y, { width: colonWidth });
		doc.text(shown, x0 + labelWidth + colonWidth, y, { width: valueWidth });
		y += height + 3;
	}
	doc.y = y + 8;
}

/** RW signer on the right under the date line; the approving RT head on the left. */
function drawSignatures(doc: Doc, input: LetterPdfInput) {
	const blockWidth = contentWidth(doc) * 0.45;
	const leftX = doc.page.margins.left;
	const rightX = doc.page.margins.left + contentWidth(doc) - blockWidth;
	const opts = { width: blockWidth, align: 'center' } as const;
	doc.font(REGULAR, TEXT_SIZE);
	const dateLine = `${input.place}, ${formatIndonesianDate(input.issuedAt)}`;
	const headHeight = Math.max(
		doc.heightOfString(dateLine, opts) + doc.heightOfString(input.signer.role, opts),
		input.rtSigner ? doc.heightOfString('Mengetahui,', opts) + doc.heightOfString(input.rtSigner.role, opts) : 0
	);
	doc.font(BOLD, TEXT_SIZE);
	const nameHeight = Math.max(doc.heightOfString(input.signer.name, opts), input.rtSigner ? doc.heightOfString(input.rtSigner.name, opts) : 0);
	let top = doc.y + 6;
	if (top + headHeight + SIGN_SPACE + nameHeight > doc.page.maxY()) {
		doc.addPage();
		top = doc.page.margins.top;
	}
	const nameY = top + headHeight + SIGN_SPACE;
	const block = (x: number, first: string, signer: { name: string; role: string }) => {
		doc.font(REGULAR, TEXT_SIZE).text(first, x, top, opts);
		doc.text(signer.role, x, doc.y, opts);
		doc.font(BOLD, TEXT_SIZE).text(signer.name, x, nameY, { ...opts, underline: true });
	};
	block(rightX, dateLine, input.signer);
	if (input.rtSigner) block(leftX, 'Mengetahui,', input.rtSigner);
	doc.y = nameY + nameHeight;
}

/** On every page: the cancellation watermark, then the QR footer above it so it still scans. */
function decoratePages(doc: Doc, input: LetterPdfInput) {
	const qr = QRCode.create(input.verifyUrl, { errorCorrectionLevel: 'M' }).modules;
	const { start, count } = doc.bufferedPageRange();
	for (let i = start; i < start + count; i++) {
		doc.switchToPage(i);
		// Drawing in the bottom band must not start a new page.
		doc.page.margins.bottom = 0;
		if (input.cancelled) drawWatermark(doc);
		const page = count > 1 ? `Nomor ${input.number} · Halaman ${i - start + 1} dari ${count}` : null;
		drawFooter(doc, qr, input.verifyUrl, page);
	}
}

function drawWatermark(doc: Doc) {
	const text = 'DIBATALKAN';
	const cx = doc.page.width / 2;
	const cy = doc.page.height / 2;
	doc.font(BOLD, 84);
	const w = doc.widthOfString(text);
	const h = doc.currentLineHeight();
	// About the A4 diagonal; a constant keeps trigonometry out of the bytes.
	doc.save().rotate(-55, { origin: [cx, cy] });
	doc.fillColor('#c62828').fillOpacity(0.25).text(text, cx - w / 2, cy - h / 2, { lineBreak: false });
	doc.restore();
	doc.fillColor('black').fillOpacity(1);
}

function drawFooter(doc: Doc, qr: BitMatrix, verifyUrl: string, pageLabel: string | null) {
	const x = doc.page.margins.left;
	const y = doc.page.height - MARGIN.bottom - QR_SIZE;
	const cell = QR_SIZE / (qr.size + 2 * QUIET_MODULES);
	doc.rect(x, y, QR_SIZE, QR_SIZE).fill('white');
	for (let row = 0; row < qr.size; row++) {
		for (let col = 0; col < qr.size; col++) {
			if (qr.get(row, col)) doc.rect(x + (col + QUIET_MODULES) * cell, y + (row + QUIET_MODULES) * cell, cell, cell);
		}
	}
	doc.fill('black');
	const textX = x + QR_SIZE + 3 * MM;
	const width = doc.page.width - MARGIN.right - textX;
	doc.font(BOLD, 8).text('Pindai untuk memeriksa keaslian surat ini', textX, y + QUIET_MODULES * cell, { width });
	doc.font(REGULAR, 7.5).text(verifyUrl, textX, doc.y + 2, { width });
	if (pageLabel) doc.text(pageLabel, textX, doc.y + 4, { width });
}
