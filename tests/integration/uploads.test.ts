import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileStore, newFileKey } from '../../src/lib/server/storage/files';
import { acceptUpload, type AcceptedUpload } from '../../src/lib/server/storage/uploads';

// Fixtures are made here with sharp: no binary files in the repository.
const solid = (width: number, height: number, background = '#3a7') => sharp({ create: { width, height, channels: 3, background } });
const noisy = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Budi"/></rdf:RDF></x:xmpmeta>';

/** A phone photo: 300×200 pixels shown rotated (orientation 6), with GPS, XMP and an ICC profile. */
const phonePhoto = () =>
	noisy(300, 200)
		.withMetadata({ orientation: 6 })
		.withExif({ IFD0: { Make: 'HP Murah' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '6/1 12/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '106/1 49/1 0/1' } })
		.withIccProfile('p3')
		.withXmp(XMP)
		.jpeg()
		.toBuffer();

/** A minimal PDF with a correct xref table; each string is one object's body. */
function pdf(objects: string[], { eof = true } = {}): Uint8Array {
	let body = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
	const offsets = objects.map((obj, i) => {
		const at = body.length;
		body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
		return at;
	});
	const xref = body.length;
	body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
	body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n${eof ? '%%EOF\n' : ''}`;
	return new Uint8Array(Buffer.from(body, 'latin1'));
}
const PAGES = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'];
const stream = (dict: string, data: Buffer) => `<< ${dict} /Length ${data.length} >>\nstream\n${data.toString('latin1')}\nendstream`;
const objStm = (content: string, filter = '/Filter /FlateDecode') => stream(`/Type /ObjStm /N 1 /First 4 ${filter}`, deflateSync(Buffer.from(content, 'latin1')));

const accept = async (bytes: Uint8Array | Buffer, name: string, opts?: Parameters<typeof acceptUpload>[1]): Promise<AcceptedUpload> => {
	const result = await acceptUpload({ bytes: new Uint8Array(bytes), name }, opts);
	if (!result.ok) throw new Error(`refused: ${result.problem}`);
	return result.file;
};
const problemOf = async (bytes: Uint8Array | Buffer, name: string, opts?: Parameters<typeof acceptUpload>[1]) => {
	const result = await acceptUpload({ bytes: new Uint8Array(bytes), name }, opts);
	return result.ok ? `accepted as ${result.file.contentType}` : result.problem;
};

describe('acceptUpload: images', () => {
	it('re-encodes a phone photo upright, as JPEG, with no EXIF, GPS, XMP or ICC left', async () => {
		const input = await phonePhoto();
		// The fixture really carries what must go.
		expect(await exifr.gps(input)).toMatchObject({ latitude: expect.closeTo(-6.2083, 3) });
		const inMeta = await sharp(input).metadata();
		expect([inMeta.orientation, !!inMeta.exif, !!inMeta.icc, !!inMeta.xmp]).toEqual([6, true, true, true]);

		const file = await accept(input, 'IMG_2024.JPG');
		expect(file).toMatchObject({ contentType: 'image/jpeg', ext: 'jpg', width: 200, height: 300, originalName: 'IMG_2024.JPG' });
		const out = await sharp(file.bytes).metadata();
		expect(out).toMatchObject({ format: 'jpeg', width: 200, height: 300 });
		expect([out.exif, out.icc, out.xmp, out.iptc, out.orientation]).toEqual([undefined, undefined, undefined, undefined, undefined]);
		expect(await exifr.parse(Buffer.from(file.bytes), { gps: true, xmp: true, icc: true, iptc: true })).toBeUndefined();
		expect(await exifr.gps(Buffer.from(file.bytes))).toBeUndefined();
	});

	it('shrinks a large PNG to fit 2000 px and does not enlarge a small one', async () => {
		const large = await accept(await solid(4000, 3000).png().toBuffer(), 'scan.png');
		expect([large.width, large.height]).toEqual([2000, 1500]);
		expect(await sharp(large.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 2000, height: 1500 });
		const small = await accept(await solid(300, 120).png().toBuffer(), 'kecil.png');
		expect([small.width, small.height]).toEqual([300, 120]);
		const custom = await accept(await solid(1000, 500).webp().toBuffer(), 'a.webp', { maxSide: 400 });
		expect([custom.width, custom.height]).toEqual([400, 200]);
	});

	it('decides by content: a PNG named ktp.pdf is an image, text named foto.jpg is not', async () => {
		const file = await accept(await solid(64, 64).png().toBuffer(), 'ktp.pdf');
		expect(file.contentType).toBe('image/jpeg');
		expect((await sharp(file.bytes).metadata()).format).toBe('jpeg');
		expect(await problemOf(Buffer.from('ini bukan foto, hanya teks biasa\n'), 'foto.jpg')).toBe('upload.unsupported');
		const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
		expect(await problemOf(Buffer.from(svg), 'foto.png')).toBe('upload.unsupported');
		expect(await problemOf(await solid(10, 10).gif().toBuffer(), 'foto.gif')).toBe('upload.unsupported');
	});

	it('refuses a decompression bomb from its header', async () => {
		const bomb = await solid(12000, 12000, '#fff').png({ compressionLevel: 9 }).toBuffer();
		expect(bomb.length).toBeLessThan(1024 * 1024); // 432 MB of pixels in under 1 MB
		expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(12000);
		expect(await problemOf(bomb, 'bom.png')).toBe('upload.image_too_large');
		expect(await problemOf(await solid(100, 100).png().toBuffer(), 'a.png', { maxPixels: 9999 })).toBe('upload.image_too_large');
	});

	it('takes the first frame of an animation and flattens transparency onto white', async () => {
		const frames = [solid(50, 40, '#f00'), solid(50, 40, '#00f')].map((s) => s.png().toBuffer());
		const animated = await sharp(await Promise.all(frames), { join: { animated: true } }).webp().toBuffer();
		expect((await sharp(animated).metadata()).pages).toBe(2);
		const first = await accept(animated, 'anim.webp');
		expect([first.width, first.height]).toEqual([50, 40]);
		const [r, , b] = (await sharp(first.bytes).stats()).channels;
		expect([r!.mean > 200, b!.mean < 50]).toEqual([true, true]);

		const clear = await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
		const flat = await sharp((await accept(clear, 'clear.png')).bytes).stats();
		expect(flat.channels.every((c) => c.mean > 250)).toBe(true);
	});

	it.runIf(sharp.format.heif.input.fileSuffix?.includes('.avif'))('accepts AVIF where this sharp build reads it', async () => {
		const file = await accept(await solid(40, 30).avif().toBuffer(), 'foto.avif');
		expect([file.contentType, file.width, file.height]).toEqual(['image/jpeg', 40, 30]);
	});

	it('refuses truncated, empty and oversized uploads; size is checked before decoding', async () => {
		const jpeg = await noisy(400, 300).jpeg().toBuffer();
		expect(await problemOf(jpeg.subarray(0, jpeg.length / 2), 'potong.jpg')).toBe('upload.corrupt');
		expect(await problemOf(new Uint8Array(0), 'kosong.jpg')).toBe('upload.empty');
		// Garbage behind a JPEG signature would be upload.corrupt if it were decoded.
		const garbage = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(n - 3, 0x5a)]);
		expect(await problemOf(garbage(8 * 1024 * 1024 + 1), 'besar.jpg')).toBe('upload.too_large');
		expect(await problemOf(garbage(1001), 'a.jpg', { maxBytes: 1000 })).toBe('upload.too_large');
		expect(await problemOf(garbage(1000), 'a.jpg', { maxBytes: 1000 })).toBe('upload.corrupt');
	});

	it('refuses a kind the caller does not allow', async () => {
		expect(await problemOf(await solid(10, 10).png().toBuffer(), 'a.png', { allow: ['pdf'] })).toBe('upload.unsupported');
		expect(await problemOf(pdf(PAGES), 'a.pdf', { allow: ['image'] })).toBe('upload.unsupported');
	});

	it('keeps only a clean basename of the original name', async () => {
		const png = await solid(8, 8).png().toBuffer();
		expect((await accept(png, 'C:\\Users\\budi\\ktp\u202Egpj.exe')).originalName).toBe('ktpgpj.exe');
		expect((await accept(png, '/tmp/../kk\u0000\n.png')).originalName).toBe('kk.png');
		expect((await accept(png, '..')).originalName).toBe('berkas');
		const long = await accept(png, `${'é'.repeat(200)}.jpeg`);
		expect([...long.originalName]).toHaveLength(120);
		expect(long.originalName.endsWith('é.jpeg')).toBe(true);
	});
});

describe('acceptUpload: PDFs', () => {
	it('accepts a minimal valid PDF byte for byte', async () => {
		const bytes = pdf(PAGES);
		const file = await accept(bytes, 'surat.pdf');
		expect(file).toMatchObject({ contentType: 'application/pdf', ext: 'pdf', originalName: 'surat.pdf' });
		expect(Buffer.from(file.bytes).equals(Buffer.from(bytes))).toBe(true);
		// Harmless object streams and binary stream data that happens to contain "/JS " pass.
		const harmless = pdf([...PAGES, objStm('4 0 << /Producer (Pindai) >>'), stream('/Subtype /Image', Buffer.from('\x00\x9f/JS (\xff\x10'))]);
		expect(await problemOf(harmless, 'scan.pdf')).toBe('accepted as application/pdf');
	});

	it.each([
		['JavaScript action', '<< /S /JavaScript /JS (app.alert(1)) >>'],
		['JavaScript behind #xx escapes', '<< /S /JavaScr#69pt /J#53 (app.alert(1)) >>'],
		['bare /JS key', '<< /JS 9 0 R >>'],
		['JavaScript action behind a fake stream keyword in a string', '<< /T (a stream\n) /S /JavaScript /JS (app.alert(1)) /U (endstream) >>'],
		['Launch action', '<< /S /Launch /F (cmd.exe) >>'],
		['embedded file', '<< /Type /EmbeddedFile /Length 0 >>'],
		['embedded files name tree', '<< /EmbeddedFiles << /Names [] >> >>']
	])('refuses a PDF with a %s, before or after stream data', async (_, obj) => {
		const image = stream('/Subtype /Image', Buffer.from([0, 1, 2]));
		expect(await problemOf(pdf([...PAGES, obj, image]), 'surat.pdf')).toBe('upload.unsupported');
		expect(await problemOf(pdf([...PAGES, image, obj]), 'surat.pdf')).toBe('upload.unsupported');
	});

	it('refuses JavaScript hidden in a compressed object stream or behind another filter', async () => {
		expect(await problemOf(pdf([...PAGES, objStm('4 0 << /J#53 (app.alert(1)) >>')]), 'a.pdf')).toBe('upload.unsupported');
		const hex = objStm('4 0 << /S /Named >>', '/Filter [/ASCIIHexDecode /FlateDecode]');
		expect(await problemOf(pdf([...PAGES, hex]), 'a.pdf')).toBe('upload.unsupported');
	});

	it('refuses a truncated PDF and a text file named .pdf', async () => {
		expect(await problemOf(pdf(PAGES, { eof: false }), 'a.pdf')).toBe('upload.corrupt');
		expect(await problemOf(Buffer.from('PDF-1.4 but not really'), 'a.pdf')).toBe('upload.unsupported');
	});
});

describe('LocalFileStore', () => {
	let root: string;
	let store: LocalFileStore;
	beforeAll(async () => {
		root = await mkdtemp(path.join(os.tmpdir(), 'rukun-files-'));
		store = new LocalFileStore(path.join(root, 'files'));
	});
	afterAll(async () => rm(root, { recursive: true, force: true }));

	it('round-trips bytes and content type in private files, leaving no temp files', async () => {
		const key = newFileKey('letters', '0b4e7c1e-4f7a-4d7e-9a51-2c3d4e5f6a7b', 'jpg');
		expect(key).toMatch(/^letters\/0b4e7c1e-4f7a-4d7e-9a51-2c3d4e5f6a7b\/[A-Za-z0-9_-]{22}\.jpg$/);
		await store.put(key, new Uint8Array([1, 2, 3]), 'image/jpeg');
		const got = await store.get(key);
		expect(got?.contentType).toBe('image/jpeg');
		expect(Array.from(got?.bytes ?? [])).toEqual([1, 2, 3]);

		const file = path.join(root, 'files', ...key.split('/'));
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect((await stat(`${file}.json`)).mode & 0o777).toBe(0o600);
		expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
		expect((await stat(path.join(root, 'files'))).mode & 0o777).toBe(0o700);
		expect((await readdir(path.dirname(file))).sort()).toEqual([path.basename(file), `${path.basename(file)}.json`]);

		await store.put(key, new Uint8Array([9]), 'application/pdf');
		expect(await store.get(key)).toEqual({ bytes: new Uint8Array([9]), contentType: 'application/pdf' });
		await store.delete(key);
		expect(await store.get(key)).toBeNull();
		await store.delete(key); // deleting a missing key is fine
		expect(await readdir(path.dirname(file))).toEqual([]);
	});

	it('returns null for a key never stored, and makes unique keys', async () => {
		expect(await store.get('letters/rw/none.pdf')).toBeNull();
		const keys = new Set(Array.from({ length: 100 }, () => newFileKey('complaints', 'rw1', 'jpg')));
		expect(keys.size).toBe(100);
	});

	it.each(['../x', '../x.jpg', '/etc/passwd', 'a\\b', 'a\\b.jpg', 'letters/../../x.jpg', 'letters/./x.jpg', '', 'a/b', 'a//b.jpg', 'a/.hidden.jpg', 'a/b.jpg.json', 'a/b.JPG', 'a/b.jpg\0'])(
		'refuses the key %j',
		async (key) => {
			await expect(store.put(key, new Uint8Array([1]), 'image/jpeg')).rejects.toThrow(/invalid file key/);
			await expect(store.get(key)).rejects.toThrow(/invalid file key/);
			await expect(store.delete(key)).rejects.toThrow(/invalid file key/);
		}
	);

	it('refuses unsafe key parts and content types', async () => {
		expect(() => newFileKey('..', 'rw', 'jpg')).toThrow();
		expect(() => newFileKey('letters', 'rw/..', 'jpg')).toThrow();
		expect(() => newFileKey('letters', 'rw', 'j.pg')).toThrow();
		await expect(store.put('a/b.html', new Uint8Array([1]), 'text/html\r\nSet-Cookie: x=1')).rejects.toThrow(/content type/);
	});
});
