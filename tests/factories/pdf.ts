import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import sharp from 'sharp';

const execFile = promisify(execFileCb);

/** Reads a PDF back the way a clerk's tools would (Debian poppler-utils). */
async function withPdf<T>(bytes: Uint8Array, fn: (file: string, dir: string) => Promise<T>): Promise<T> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-pdf-'));
	try {
		const file = path.join(dir, 'in.pdf');
		await writeFile(file, bytes);
		return await fn(file, dir);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** The PDF's text (`pdftotext`); `-raw` keeps diagonal text such as a watermark in one piece per glyph. */
export function pdfText(bytes: Uint8Array, mode: '-layout' | '-raw' = '-layout'): Promise<string> {
	return withPdf(bytes, async (file) => (await execFile('pdftotext', [mode, file, '-'])).stdout);
}

/** Renders page 1 (`pdftoppm`, 150 dpi) and decodes the QR code on it with jsQR; null when none. */
export function qrOnFirstPage(bytes: Uint8Array): Promise<string | null> {
	return withPdf(bytes, async (file, dir) => {
		const prefix = path.join(dir, 'page');
		await execFile('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
		const { data, info } = await sharp(`${prefix}.png`).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
		return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ?? null;
	});
}
