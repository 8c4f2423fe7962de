import sharp from 'sharp';
import { constants as zlib, inflateSync } from 'node:zlib';

/**
 * Content checks for user uploads (letter attachments: photos of KTP/KK and PDFs;
 * mutation documents; later complaint photos and payment proofs). The type is decided
 * by the bytes, never by the file name or the declared MIME type. Images are always
 * re-encoded to a metadata-free JPEG — a phone photo's EXIF carries the house's GPS
 * position (UU 27/2022 art. 16: process only the personal data the purpose needs).
 * PDFs are stored as they are, after refusing the features that run code.
 */
export type UploadKind = 'image' | 'pdf';
/** i18n keys. */
export type UploadProblem = 'upload.empty' | 'upload.too_large' | 'upload.unsupported' | 'upload.image_too_large' | 'upload.corrupt';
export interface AcceptedUpload {
	bytes: Uint8Array;
	contentType: 'image/jpeg' | 'application/pdf';
	ext: 'jpg' | 'pdf';
	width?: number;
	height?: number;
	/** For display only: basename, control/format characters removed, ≤ 120 characters. */
	originalName: string;
}
export interface UploadOptions {
	/** Checked before any decoding. Default 8 MiB. */
	maxBytes?: number;
	/** Default both. */
	allow?: UploadKind[];
	/** Decompression-bomb guard, checked from the image header. Default 40 MP. */
	maxPixels?: number;
	/** Longest side of the stored JPEG; smaller images are not enlarged. Default 2000. */
	maxSide?: number;
}
export type UploadResult = { ok: true; file: AcceptedUpload } | { ok: false; problem: UploadProblem };

const DEFAULTS = { maxBytes: 8 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 2000, allow: ['image', 'pdf'] as UploadKind[] };
const JPEG_QUALITY = 80;

export async function acceptUpload(input: { bytes: Uint8Array; name: string }, opts: UploadOptions = {}): Promise<UploadResult> {
	const { maxBytes, maxPixels, maxSide, allow } = { ...DEFAULTS, ...opts };
	const { bytes } = input;
	if (bytes.length === 0) return refuse('upload.empty');
	if (bytes.length > maxBytes) return refuse('upload.too_large');
	const originalName = sanitiseName(input.name);
	const format = sniff(bytes);
	if (format === 'pdf' && allow.includes('pdf')) {
		const problem = checkPdf(bytes);
		return problem ? refuse(problem) : { ok: true, file: { bytes, contentType: 'application/pdf', ext: 'pdf', originalName } };
	}
	if (format && format !== 'pdf' && allow.includes('image')) return reencodeImage(bytes, format, originalName, maxPixels, maxSide);
	return refuse('upload.unsupported');
}

const refuse = (problem: UploadProblem): UploadResult => ({ ok: false, problem });

// ---- type by content ----------------------------------------------------------------

type Format = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic' | 'pdf';

const startsWith = (bytes: Uint8Array, at: number, ascii: string) =>
	bytes.length >= at + ascii.length && [...ascii].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** HEIF/AVIF only where this sharp build can read them (prebuilt sharp: AVIF, not HEIC). */
const heifSuffixes = sharp.format.heif.input.buffer ? (sharp.format.heif.input.fileSuffix ?? []) : [];
const READS_AVIF = heifSuffixes.includes('.avif');
const READS_HEIC = heifSuffixes.includes('.heic');

function sniff(bytes: Uint8Array): Format | null {
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
	if (startsWith(bytes, 0, '\x89PNG\r\n\x1a\n')) return 'png';
	if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return 'webp';
	if (startsWith(bytes, 0, '%PDF-')) return 'pdf';
	if (startsWith(bytes, 4, 'ftyp')) {
		// ISO BMFF: major brand at 8, compatible brands from 16 to the end of the box.
		const boxEnd = Math.min(bytes.length, ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
		const brands = [8, ...Array.from({ length: Math.max(0, (boxEnd - 16) >> 2) }, (_, i) => 16 + 4 * i)].map((at) =>
			String.fromCharCode(...bytes.subarray(at, at + 4))
		);
		if (READS_AVIF && brands.some((b) => b === 'avif' || b === 'avis')) return 'avif';
		if (READS_HEIC && brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'].includes(b))) return 'heic';
	}
	return null;
}

// ---- images -------------------------------------------------------------------------

type ImageFormat = Exclude<Format, 'pdf'>;
const SHARP_FORMAT: Record<ImageFormat, string> = { jpeg: 'jpeg', png: 'png', webp: 'webp', avif: 'heif', heic: 'heif' };

async function reencodeImage(bytes: Uint8Array, format: ImageFormat, originalName: string, maxPixels: number, maxSide: number): Promise<UploadResult> {
	// limitInputPixels is checked against the header before any pixel is decoded;
	// pages: 1 (the default) takes the first frame of an animation. Without
	// withMetadata/keep* sharp writes no EXIF, GPS, XMP, IPTC or ICC and converts to sRGB.
	const image = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' });
	const pipeline = image
		.clone()
		.autoOrient()
		.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
		.flatten({ background: '#ffffff' })
		.jpeg({ quality: JPEG_QUALITY });
	try {
		const meta = await image.metadata();
		// sharp picks its decoder by content too; refuse if it would not be ours (e.g. SVG).
		if (meta.format !== SHARP_FORMAT[format]) return refuse('upload.unsupported');
		const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
		return { ok: true, file: { bytes: new Uint8Array(data), contentType: 'image/jpeg', ext: 'jpg', width: info.width, height: info.height, originalName } };
	} catch (err) {
		if (err instanceof Error && /exceeds pixel limit/i.test(err.message)) return refuse('upload.image_too_large');
		// Every other decoder error on user bytes means the file is broken.
		return refuse('upload.corrupt');
	}
}

// ---- PDFs ---------------------------------------------------------------------------

/**
 * Names that run code or carry other files. Long names are looked for in the whole
 * file (a JavaScript action needs `/S /JavaScript` beside its `/JS`); `/JS` only
 * outside stream data, where random compressed bytes would match it too often.
 * Names may hide behind #xx escapes, and dictionaries inside Flate object streams.
 */
const FORBIDDEN_ANYWHERE = new Set(['JavaScript', 'Launch', 'EmbeddedFile', 'EmbeddedFiles', 'RichMedia']);
const FORBIDDEN_OUTSIDE_STREAMS = new Set([...FORBIDDEN_ANYWHERE, 'JS']);
const NAME = /\/([^\0\t\n\f\r /<>[\]()%{}]*)/g;
const STREAM_START = /(?<!end)stream(?:\r\n|\n|\r)/g;
/** Total inflated object-stream bytes we are willing to read (a zip bomb is refused). */
const INFLATE_BUDGET = 64 * 1024 * 1024;

const namesIn = (text: string) => Array.from(text.matchAll(NAME), (m) => m[1]!.replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
const hasAny = (text: string, names: Set<string>) => namesIn(text).some((n) => names.has(n));

function checkPdf(bytes: Uint8Array): UploadProblem | null {
	const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	if (!text.slice(-1024).includes('%%EOF')) return 'upload.corrupt';
	if (hasAny(text, FORBIDDEN_ANYWHERE)) return 'upload.unsupported';
	let budget = INFLATE_BUDGET;
	let at = 0;
	for (const start of text.matchAll(STREAM_START)) {
		if (start.index < at) continue; // "stream" inside stream data already skipped
		const outside = text.slice(at, start.index);
		if (hasAny(outside, FORBIDDEN_OUTSIDE_STREAMS)) return 'upload.unsupported';
		const dataStart = start.index + start[0].length;
		const end = text.indexOf('endstream', dataStart);
		if (end < 0) return 'upload.corrupt';
		at = end;
		const dict = namesIn(outside.slice(outside.lastIndexOf('obj')));
		if (!dict.includes('ObjStm')) continue;
		// An object stream holds dictionaries: read it like the viewer would.
		const filters = dict.filter((n) => n.endsWith('Decode') || n === 'Crypt' || n === 'DecodeParms');
		if (filters.length === 0) {
			if (hasAny(text.slice(dataStart, end), FORBIDDEN_OUTSIDE_STREAMS)) return 'upload.unsupported';
			continue;
		}
		// Only plain Flate: other filter chains could hide names from this scan.
		if (filters.length !== 1 || filters[0] !== 'FlateDecode') return 'upload.unsupported';
		try {
			const inflated = inflateSync(bytes.subarray(dataStart, end), { maxOutputLength: Math.max(1, budget), finishFlush: zlib.Z_SYNC_FLUSH });
			budget -= inflated.length;
			if (hasAny(inflated.toString('latin1'), FORBIDDEN_OUTSIDE_STREAMS)) return 'upload.unsupported';
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return 'upload.unsupported';
			return 'upload.corrupt'; // a broken object stream; the viewer could not read it either
		}
	}
	return hasAny(text.slice(at), FORBIDDEN_OUTSIDE_STREAMS) ? 'upload.unsupported' : null;
}

// ---- names --------------------------------------------------------------------------

const MAX_NAME = 120;

/** Basename without control or format (bidi, zero-width) characters, ≤ 120 code points, extension kept. */
function sanitiseName(name: string): string {
	const base = (name.split(/[/\\]/).pop() ?? '').normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
	if (/^\.*$/.test(base)) return 'berkas';
	const chars = [...base];
	if (chars.length <= MAX_NAME) return base;
	const dot = base.lastIndexOf('.');
	const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
	return chars.slice(0, MAX_NAME - ext.length).join('') + ext;
}
