import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLetterPdf, sha256Hex, type LetterPdfInput } from '../../src/lib/server/letters/pdf';
import { pdfWorkerThread, renderLetterPdfOffThread, stopPdfWorker } from '../../src/lib/server/letters/pdf-renderer';
import { BACKGROUND_NICE } from '../../src/lib/server/workers/priority';

const execFile = promisify(execFileCb);

/** Template text must come out verbatim, never interpreted as markup or a format. */
const TRICKY = '<b>{{x}}</b> 100% (benar) $1 \\n';

const sample: LetterPdfInput = {
	rw: {
		name: 'RW 012 Kelurahan Pegangsaan Dua',
		code: 'RW012',
		kelurahan: 'Pegangsaan Dua',
		kecamatan: 'Kelapa Gading',
		city: 'Jakarta Utara',
		address: 'Jl. Pegangsaan Dua, Kelapa Gading, Jakarta Utara 14250'
	},
	number: '014/SP-KTP/RW012/XI/2026',
	title: 'SURAT PENGANTAR PEMBUATAN KTP-EL',
	opening: 'Yang bertanda tangan di bawah ini, Ketua RW 012 Kelurahan Pegangsaan Dua, menerangkan bahwa:',
	fields: [
		{ label: 'Nama', value: 'Siti Rahmawati' },
		{ label: 'NIK', value: '3175015512850002' },
		{ label: 'Tempat/Tgl Lahir', value: 'Jakarta, 15 Desember 1985' },
		{ label: 'Jenis Kelamin', value: 'Perempuan' },
		{ label: 'Agama', value: 'Islam' },
		{ label: 'Pekerjaan', value: 'Karyawan Swasta' },
		{
			label: 'Alamat',
			value: 'Jl. Pegangsaan Dua Gang Masjid No. 17, RT 001/RW 012, Kelurahan Pegangsaan Dua, Kecamatan Kelapa Gading, Jakarta Utara'
		},
		{ label: 'Keperluan', value: TRICKY }
	],
	body:
		'Orang tersebut benar warga kami yang berdomisili di alamat di atas dan surat pengantar ini diberikan untuk mengurus pembuatan KTP-el di kelurahan.\n\n' +
		'Demikian surat pengantar ini dibuat agar dapat dipergunakan sebagaimana mestinya.',
	issuedAt: new Date('2026-11-23T03:15:00Z'),
	place: 'Jakarta',
	signer: { name: 'Hendra Wijaya', role: 'Ketua RW 012' },
	rtSigner: { name: 'Bambang Sutrisno', role: 'Ketua RT 001' },
	verifyUrl: 'https://rukun.example.id/verifikasi/surat/7f3c9a2e-1b4d-4c8e-9f00-3a5b6c7d8e9f'
};

const SAMPLE_SHA256 = '17d3abaa7f8f4347e4b32ef899dc1bb56e8087f5e2b2253100060398b14da98b';

let dir: string;

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-letter-pdf-'));
});

afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function writePdf(name: string, bytes: Uint8Array): Promise<string> {
	const file = path.join(dir, `${name}.pdf`);
	await writeFile(file, bytes);
	return file;
}

async function pdfText(file: string, mode: '-layout' | '-raw' = '-layout'): Promise<string> {
	const { stdout } = await execFile('pdftotext', [mode, file, '-']);
	return stdout;
}

describe('renderLetterPdf', () => {
	it('writes the number, the people and template values verbatim', async () => {
		const text = await pdfText(await writePdf('text', await renderLetterPdf(sample)));
		expect(text).toContain('014/SP-KTP/RW012/XI/2026');
		expect(text).toContain('Siti Rahmawati');
		expect(text).toContain('Hendra Wijaya');
		expect(text).toContain('Bambang Sutrisno');
		expect(text).toContain(TRICKY.trim());
		expect(text).toContain('RUKUN WARGA 012');
		expect(text).toContain('Jakarta, 23 November 2026');
		expect(text).toContain('Pindai untuk memeriksa keaslian surat ini');
		expect(text).not.toContain('DIBATALKAN');
	});

	it('carries a QR code that decodes to the verification URL', async () => {
		const file = await writePdf('qr', await renderLetterPdf(sample));
		const prefix = path.join(dir, 'qr-page');
		await execFile('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
		const { data, info } = await sharp(await readFile(`${prefix}.png`))
			.ensureAlpha()
			.raw()
			.toBuffer({ resolveWithObject: true });
		const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
		expect(code?.data).toBe(sample.verifyUrl);
	});

	it('gives the same bytes for the same input, and different bytes for another number', async () => {
		const first = await renderLetterPdf(sample);
		const second = await renderLetterPdf({ ...sample, fields: sample.fields.map((f) => ({ ...f })) });
		expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
		expect(sha256Hex(second)).toBe(sha256Hex(first));
		expect(sha256Hex(first)).toMatch(/^[0-9a-f]{64}$/);

		const other = await renderLetterPdf({ ...sample, number: '015/SP-KTP/RW012/XI/2026' });
		expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
		expect(sha256Hex(other)).not.toBe(sha256Hex(first));
	});

	it('renders the sample letter to its pinned hash', async () => {
		// Issued letters are re-rendered and checked against the hash stored at issue.
		// If this fails, a dependency (pdfkit, fontkit, dejavu-fonts-ttf) or the layout
		// changed the bytes, and every issued letter would fail that check: keep the old
		// renderer for old letters, or re-hash them, before updating this value.
		expect(sha256Hex(await renderLetterPdf(sample))).toBe(SAMPLE_SHA256);
	});

	it('renders the same bytes in the PDF worker thread, letters side by side, and starts it again after a stop', async () => {
		// Issuing and downloading render there (pdf-renderer.ts): the main thread stays free for the broker.
		const numbers = ['001/SP-KTP/RW012/XI/2026', '002/SP-KTP/RW012/XI/2026', '003/SP-KTP/RW012/XI/2026'];
		const inThread = await Promise.all(numbers.map((number) => renderLetterPdf({ ...sample, number })));
		const offThread = await Promise.all(numbers.map((number) => renderLetterPdfOffThread({ ...sample, number })));
		expect(offThread.map(sha256Hex)).toEqual(inThread.map(sha256Hex));
		expect(sha256Hex(await renderLetterPdfOffThread(sample))).toBe(SAMPLE_SHA256);
		await stopPdfWorker();
		expect(sha256Hex(await renderLetterPdfOffThread(sample))).toBe(SAMPLE_SHA256);
		await stopPdfWorker();
	});

	it('renders in a thread of lower CPU priority than this one (the broker\'s), so sensors come first', async () => {
		const thread = await pdfWorkerThread();
		await stopPdfWorker();
		expect(thread.threadId).not.toBe(threadId);
		expect(thread.nice).toBe(Math.max(os.getPriority(), BACKGROUND_NICE));
		expect(thread.nice).toBeGreaterThan(os.getPriority());
	});

	it('embeds the issue time instead of the render time', async () => {
		const file = await writePdf('info', await renderLetterPdf(sample));
		const { stdout } = await execFile('pdfinfo', ['-isodates', file]);
		expect(stdout).toMatch(/CreationDate:\s+2026-11-23T03:15:00Z/);
		expect(stdout).toMatch(/ModDate:\s+2026-11-23T03:15:00Z/);
	});

	it('marks a cancelled letter', async () => {
		const file = await writePdf('cancelled', await renderLetterPdf({ ...sample, cancelled: true }));
		// The watermark is diagonal: pdftotext gives it letter by letter, in drawing order.
		expect((await pdfText(file, '-raw')).replace(/\s+/g, '')).toContain('DIBATALKAN');
		expect(await pdfText(file)).toContain('014/SP-KTP/RW012/XI/2026');
	});

	it('renders without the optional parts', async () => {
		const bare: LetterPdfInput = {
			...sample,
			rw: { name: 'Paguyuban Warga Melati', code: 'PWM', kelurahan: 'Menteng', kecamatan: null, city: 'Jakarta Pusat', address: null },
			fields: [{ label: 'Nama', value: '' }],
			rtSigner: null
		};
		const text = await pdfText(await writePdf('bare', await renderLetterPdf(bare)));
		expect(text).toContain('PAGUYUBAN WARGA MELATI');
		expect(text).toContain('KELURAHAN MENTENG');
		expect(text).not.toContain('Mengetahui');
		expect(text).toContain('Hendra Wijaya');
	});

	it('flows a long letter onto more pages and keeps the signatures whole', async () => {
		const long = {
			...sample,
			body: Array.from({ length: 12 }, (_, i) => `Paragraf ${i + 1}. ${'Teks panjang yang harus dibungkus dengan rapi. '.repeat(8)}`).join('\n\n')
		};
		const file = await writePdf('long', await renderLetterPdf(long));
		const { stdout } = await execFile('pdfinfo', [file]);
		expect(Number(/Pages:\s+(\d+)/.exec(stdout)?.[1])).toBeGreaterThan(1);
		const text = await pdfText(file);
		expect(text).toContain('Nomor 014/SP-KTP/RW012/XI/2026 · Halaman 1 dari');
		expect(text).toContain('Hendra Wijaya');
	});
});
