import type { Database } from '../db';
import { decryptPii, encryptFile, type PiiKeys } from '../crypto/pii';
import { newFileKey, type FileStore } from '../storage/files';
// Only types from pdf.ts: PDFKit loads in the PDF worker, not in the main thread.
import type { LetterPdfInput } from './pdf';
import { sha256Hex } from '../crypto/digest';
import { renderLetterPdfOffThread } from './pdf-renderer';

/**
 * A letter's PDF, rendered after the transaction that numbered it. The numbering
 * transaction stores the letter with everything the PDF is drawn from (`frozen`) and
 * no PDF; rendering takes a second or so of CPU, and done inside that transaction it
 * held the register's row lock and, on PGlite, the one database session (sensor
 * acknowledgements waited behind it). Here the PDF is rendered with no transaction
 * open, stored sealed, and its file key and SHA-256 written in one short statement.
 *
 * A crash between the two writes leaves a letter with its number and no PDF; the PDF
 * is the same drawn from the same frozen data, so it is sealed later: on the next
 * start (`sealPendingLetters`) or when someone first downloads it.
 */

interface Unsealed {
	id: string;
	rw_id: string;
	number: string;
	frozen: Omit<LetterPdfInput, 'issuedAt'> & { issuedAt: string; nik_enc: string };
	pdf_sha256: string | null;
}

export interface SealContext {
	pii: PiiKeys;
	store: FileStore;
}

/** The PDF input from a letter's frozen data, with the NIK filled back in. */
export function pdfInputFrom(frozen: Omit<LetterPdfInput, 'issuedAt'> & { issuedAt: string }, nik: string, cancelled = false): LetterPdfInput {
	return {
		...frozen,
		issuedAt: new Date(frozen.issuedAt),
		fields: frozen.fields.map((f) => (f.label === 'NIK' ? { ...f, value: nik } : f)),
		cancelled
	};
}

/**
 * Renders, stores and seals the PDF of a letter that has none yet, as the server
 * (the letter's number and data were written by an authorised approval). Returns the
 * PDF sealed for the letter, or null when the letter does not exist. When two sealers
 * race, the first write wins and the other's file is deleted: both drew the same PDF.
 */
export async function sealLetter(db: Database, ctx: SealContext, letterId: string): Promise<Uint8Array | null> {
	const letter = (await db.query<Unsealed>('select id, rw_id, number, frozen, pdf_sha256 from letter where id = $1', [letterId]))[0];
	if (!letter) return null;
	const nik = decryptPii(ctx.pii, 'nik', letter.frozen.nik_enc);
	const pdf = await renderLetterPdfOffThread(pdfInputFrom(letter.frozen, nik));
	if (letter.pdf_sha256) return pdf;
	const fileKey = newFileKey('issued', letter.rw_id, 'pdf');
	await ctx.store.put(fileKey, encryptFile(ctx.pii, `letter:${letter.number}`, pdf), 'application/octet-stream');
	const sealed = await db.query('update letter set pdf_file_key = $2, pdf_sha256 = $3 where id = $1 and pdf_sha256 is null returning 1', [
		letter.id,
		fileKey,
		sha256Hex(pdf)
	]);
	if (sealed.length === 0) await ctx.store.delete(fileKey);
	return pdf;
}

/** Seals every letter left without a PDF (a crash between numbering and sealing); returns how many. */
export async function sealPendingLetters(db: Database, ctx: SealContext): Promise<number> {
	const pending = await db.query<{ id: string }>('select id from letter where pdf_sha256 is null order by issued_at');
	for (const { id } of pending) await sealLetter(db, ctx, id);
	return pending.length;
}
