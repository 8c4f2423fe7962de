/**
 * The household register as RT heads keep it: an Excel workbook or a CSV file.
 * File format only — what the cells say, as text, with the line the user sees in
 * Excel. Mapping columns to fields and validating values happen elsewhere.
 */
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { inflateRawSync } from 'node:zlib';

export const MAX_BYTES = 10 * 1024 * 1024;
export const MAX_ROWS = 50_000;

/** `line` is the 1-based row number as Excel shows it; `cells` line up with `Sheet.headers`. */
export interface SheetRow {
	line: number;
	cells: string[];
}
export type SheetWarningKind = 'formula' | 'merged' | 'number_precision' | 'extra_sheets';
/** `column` is a 0-based index into `Sheet.headers` (as in a column mapping); null for the whole file. */
export interface SheetWarning {
	line: number;
	column: number | null;
	kind: SheetWarningKind;
}
export interface Sheet {
	format: 'xlsx' | 'csv';
	headers: string[];
	rows: SheetRow[];
	warnings: SheetWarning[];
}
export type ReadError = 'too_large' | 'too_many_rows' | 'unreadable' | 'unsupported_type' | 'empty';
type ReadResult = { ok: true; sheet: Sheet } | { ok: false; error: ReadError };

/** Decides the format by content, never by file name: a renamed PNG is still a PNG. */
export async function readSpreadsheet(bytes: Uint8Array): Promise<ReadResult> {
	if (bytes.byteLength > MAX_BYTES) return { ok: false, error: 'too_large' };
	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buffer.subarray(0, 4).equals(ZIP_MAGIC)) return readXlsx(buffer);
	const text = decodeText(buffer);
	return text === null ? { ok: false, error: 'unsupported_type' } : readCsv(text);
}

// ---------------------------------------------------------------------------
// Rows → Sheet, shared by both formats

/** Non-empty rows at the top of a sheet that may be a title above the header. */
const HEADER_SEARCH_ROWS = 10;
const NUMBER = /^[-+]?[\d.,\s]*\d[\d.,\s]*$/;

/**
 * The header is the first row with at least two different values among the first
 * HEADER_SEARCH_ROWS non-empty rows. RT registers often start with a title ("DAFTAR
 * WARGA RT 001", often merged across the table, so one value repeated) and notes of
 * one cell each; those rows are dropped. When no row there has two values, or a lone
 * number comes first (a one-column file), the first non-empty row is the header.
 * Later empty rows are skipped, every row is cut to the header width, and a row's
 * warnings are kept with the row. Lines stay numbered as Excel shows them.
 */
class SheetBuilder {
	headers: string[] | null = null;
	readonly rows: SheetRow[] = [];
	readonly warnings: SheetWarning[] = [];
	/** Non-empty rows read while the header is not known yet. */
	#top: { line: number; cells: string[]; warnings: SheetWarning[] }[] = [];

	/** Adds one row as read; false once there are more than MAX_ROWS data rows. */
	add(line: number, raw: string[], warnings: SheetWarning[] = []): boolean {
		const cells = raw.map((cell) => cell.trim());
		if (this.headers !== null) return this.#push(line, cells, warnings);
		if (lastFilled(cells) < 0) return true;
		this.#top.push({ line, cells, warnings });
		const values = new Set(cells.filter((cell) => cell !== ''));
		if (values.size >= 2) return this.#settle(this.#top.length - 1);
		// A lone number is no title but data: a one-column table that began at its first row.
		if (NUMBER.test([...values][0]!) || this.#top.length >= HEADER_SEARCH_ROWS) return this.#settle(0);
		return true;
	}

	/** After the last row: false when the sheet has no header (nothing in it). */
	finish(): boolean {
		if (this.headers === null && this.#top.length > 0) this.#settle(0);
		return this.headers !== null;
	}

	/** Row `at` of the top rows is the header: the rows above it go, the rows below are data. */
	#settle(at: number): boolean {
		const header = this.#top[at]!;
		const below = this.#top.slice(at + 1);
		this.#top = [];
		this.headers = header.cells.slice(0, lastFilled(header.cells) + 1);
		// A merged header cell is no data to warn about; a formula in it still is.
		this.warnings.push(...header.warnings.filter((w) => w.kind !== 'merged' && this.#inside(w)));
		return below.every((row) => this.#push(row.line, row.cells, row.warnings));
	}

	#push(line: number, cells: string[], warnings: SheetWarning[]): boolean {
		const fitted = Array.from({ length: this.headers!.length }, (_, i) => cells[i] ?? '');
		if (lastFilled(fitted) < 0) return true;
		this.rows.push({ line, cells: fitted });
		this.warnings.push(...warnings.filter((w) => this.#inside(w)));
		return this.rows.length <= MAX_ROWS;
	}

	#inside(warning: SheetWarning): boolean {
		return warning.column === null || warning.column < this.headers!.length;
	}
}

function lastFilled(cells: string[]): number {
	for (let i = cells.length - 1; i >= 0; i--) if (cells[i] !== '') return i;
	return -1;
}

// ---------------------------------------------------------------------------
// CSV

const PDF_MAGIC = '%PDF-';

/** Valid UTF-8 text, or null for anything binary (PNG, PDF, old .xls, UTF-16). */
function decodeText(buffer: Buffer): string | null {
	let text: string;
	try {
		// Drops a leading BOM, as Excel's "CSV UTF-8" writes one.
		text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
	} catch (error) {
		if (error instanceof TypeError) return null; // not UTF-8: not a text file we read
		throw error;
	}
	// A text file has no NUL; a PDF can be all ASCII yet is no table.
	return text.includes('\0') || text.startsWith(PDF_MAGIC) ? null : text;
}

function readCsv(text: string): ReadResult {
	// Excel's `sep=;` first line names the delimiter and is not shown as a row.
	const hint = /^sep=([^"\r\n])(\r\n|\n|\r|$)/i.exec(text);
	const body = hint ? text.slice(hint[0].length) : text;
	const delimiter = hint?.[1] ?? detectDelimiter(body);
	const builder = new SheetBuilder();
	let line = 0;
	const outcome = parseCsv(body, delimiter, (cells) => builder.add(++line, cells));
	if (outcome === 'unterminated') return { ok: false, error: 'unreadable' };
	if (outcome === 'stopped') return { ok: false, error: 'too_many_rows' };
	if (!builder.finish()) return { ok: false, error: 'empty' };
	return { ok: true, sheet: { format: 'csv', headers: builder.headers!, rows: builder.rows, warnings: [] } };
}

/** Tab and `;` rarely occur inside text; a comma often does, so on a tie it loses. */
const DELIMITERS = ['\t', ';', ','] as const;

/**
 * The delimiter that occurs most often, outside quotes, on the first lines with text
 * (the header, and a title above it that may have none). Indonesian Excel writes `;`
 * because `,` is the decimal mark.
 */
function detectDelimiter(text: string): string {
	const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
	let quoted = false;
	let seenText = false;
	let textLines = 0;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i]!;
		if (ch === '"') quoted = !quoted;
		else if (!quoted && (ch === '\n' || ch === '\r')) {
			if (seenText && ++textLines >= HEADER_SEARCH_ROWS) break;
			seenText = false;
		} else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
		if (ch.trim() !== '' && !counts.has(ch)) seenText = true;
	}
	let best: string = ',';
	let bestCount = 0;
	for (const d of DELIMITERS) {
		if (counts.get(d)! > bestCount) [best, bestCount] = [d, counts.get(d)!];
	}
	return best;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;

/**
 * RFC 4180 records: quoted fields may hold the delimiter, `""` and line breaks;
 * records end with CRLF, LF or CR. Lenient like Excel: spaces before an opening
 * quote and text after a closing quote are kept. Calls `each` per record and stops
 * when it returns false. An unterminated quote is an error: it would swallow the
 * rest of the file into one cell.
 */
function parseCsv(text: string, delimiter: string, each: (cells: string[]) => boolean): 'done' | 'stopped' | 'unterminated' {
	const delim = delimiter.charCodeAt(0);
	const n = text.length;
	const isEnd = (i: number) => {
		const c = text.charCodeAt(i);
		return c === delim || c === LF || c === CR;
	};
	let cells: string[] = [];
	let i = 0;
	for (;;) {
		let start = i;
		while (start < n && text.charCodeAt(start) === SPACE) start++;
		let field = '';
		if (start < n && text.charCodeAt(start) === QUOTE) {
			let from = start + 1;
			for (;;) {
				const close = text.indexOf('"', from);
				if (close < 0) return 'unterminated';
				field += text.slice(from, close);
				if (text.charCodeAt(close + 1) !== QUOTE) {
					i = close + 1;
					break;
				}
				field += '"';
				from = close + 2;
			}
			start = i;
		}
		while (i < n && !isEnd(i)) i++;
		cells.push(field + text.slice(start, i));
		if (i < n && text.charCodeAt(i) === delim) {
			i++;
			continue;
		}
		// End of record: a line break or the end of the text.
		if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
		i++;
		if (!each(cells)) return 'stopped';
		cells = [];
		if (i >= n) return 'done';
	}
}

// ---------------------------------------------------------------------------
// XLSX: a guard on the ZIP, then exceljs

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;
const ZIP_LOCAL = 0x04034b50;

/**
 * exceljs inflates the whole ZIP and builds every cell in memory (a full register,
 * 50,000 × 16 cells, is ~34 MB of XML and ~0.5 GB of heap), and a 10 MB upload can
 * inflate to gigabytes. So before exceljs sees a file we check, by inflating each
 * entry with a hard cap, that it really inflates to its declared size and that the
 * totals stay within about twice a full register.
 */
const MAX_INFLATED_BYTES = 80 * 1024 * 1024;
/** `<row>` elements in any one worksheet, empty formatted rows included. */
const MAX_ROW_ELEMENTS = MAX_ROWS * 1.2;
/** `<c>` elements in all worksheets: 50,000 rows × 32 columns. */
const MAX_CELL_ELEMENTS = MAX_ROWS * 32;

function checkZip(zip: Buffer): ReadError | null {
	const end = findZipEnd(zip);
	if (end < 0) return 'unreadable';
	let at = zip.readUInt32LE(end + 16);
	let inflated = 0;
	let cellElements = 0;
	// Every record, as JSZip reads them: while the signature matches, whatever the count says.
	while (at + 46 <= zip.length && zip.readUInt32LE(at) === ZIP_CENTRAL) {
		const method = zip.readUInt16LE(at + 10);
		const packedSize = zip.readUInt32LE(at + 20);
		const size = zip.readUInt32LE(at + 24);
		const nameLength = zip.readUInt16LE(at + 28);
		const name = zip.toString('utf8', at + 46, at + 46 + nameLength).replace(/^\//, '');
		const local = zip.readUInt32LE(at + 42);
		at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);

		inflated += size;
		if (inflated > MAX_INFLATED_BYTES) return 'too_large';
		const content = inflateEntry(zip, local, method, packedSize, size);
		if (!content) return 'unreadable';
		// The entries exceljs reads as worksheets, with its own unanchored pattern (lib/xlsx/xlsx.js).
		if (/xl\/worksheets\/sheet\d+[.]xml/.test(name)) {
			if (countElements(content, '<row') > MAX_ROW_ELEMENTS) return 'too_many_rows';
			cellElements += countElements(content, '<c');
			if (cellElements > MAX_CELL_ELEMENTS) return 'too_large';
		}
	}
	return null;
}

/** End of central directory record: the last 22 bytes, or before a comment of up to 64 KiB. */
function findZipEnd(zip: Buffer): number {
	for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
		if (zip.readUInt32LE(at) === ZIP_END) return at;
	}
	return -1;
}

/** The entry's bytes, or null when it is corrupt or inflates to anything but its declared size. */
function inflateEntry(zip: Buffer, local: number, method: number, packedSize: number, size: number): Buffer | null {
	if (local + 30 > zip.length || zip.readUInt32LE(local) !== ZIP_LOCAL) return null;
	const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
	if (start + packedSize > zip.length) return null;
	const packed = zip.subarray(start, start + packedSize);
	if (method === 0) return packedSize === size ? packed : null;
	if (method !== 8) return null; // exceljs (JSZip) knows only stored and deflate
	let content: Buffer;
	try {
		content = inflateRawSync(packed, { maxOutputLength: Math.max(size, 1) });
	} catch (error) {
		// Corrupt deflate data (Error with a Z_ code) or more bytes than declared (RangeError).
		if (error instanceof RangeError || (error instanceof Error && 'code' in error)) return null;
		throw error;
	}
	return content.length === size ? content : null;
}

/** Counts `<tag ` / `<tag>` / `<tag/>` (not `<tagName`). */
function countElements(xml: Buffer, tag: string): number {
	let count = 0;
	for (let at = xml.indexOf(tag); at >= 0; at = xml.indexOf(tag, at + tag.length)) {
		const next = xml[at + tag.length];
		if (next === 0x20 || next === 0x3e || next === 0x2f || next === 0x09 || next === 0x0a || next === 0x0d) count++;
	}
	return count;
}

async function readXlsx(zip: Buffer): Promise<ReadResult> {
	const guard = checkZip(zip);
	if (guard) return { ok: false, error: guard };
	const workbook = new ExcelJS.Workbook();
	try {
		await workbook.xlsx.load(new Uint8Array(zip).buffer);
	} catch (error) {
		if (error instanceof Error) return { ok: false, error: 'unreadable' }; // malformed XML or parts
		throw error;
	}
	// The first sheet the user sees; a hidden first sheet is usually a lookup table.
	const sheets = workbook.worksheets;
	const first = sheets.find((ws) => ws.state === 'visible') ?? sheets[0];
	if (!first) return { ok: false, error: 'unreadable' };
	const read = readWorksheet(first);
	if (!read.ok) return read;
	if (sheets.some((ws) => ws !== first && ws.actualRowCount > 0)) {
		read.sheet.warnings.unshift({ line: 0, column: null, kind: 'extra_sheets' });
	}
	return read;
}

function readWorksheet(ws: ExcelJS.Worksheet): ReadResult {
	const builder = new SheetBuilder();
	for (let line = 1; line <= ws.rowCount; line++) {
		const row = ws.findRow(line);
		if (!row) continue;
		const width = builder.headers?.length ?? row.cellCount;
		const cells: string[] = [];
		const found: SheetWarning[] = [];
		for (let col = 1; col <= width; col++) {
			const cell = row.findCell(col);
			cells.push(cell ? cellText(cell, line, found) : '');
			// [merged] at the range's top row; the builder drops those of the header and the title.
			if (cell?.isMerged) {
				const { row: top, col: left } = cell.master.fullAddress;
				found.push({ line: top, column: left - 1, kind: 'merged' });
			}
		}
		if (!builder.add(line, cells, found)) return { ok: false, error: 'too_many_rows' };
	}
	if (!builder.finish()) return { ok: false, error: 'empty' };
	// One warning per merged range, however many of its cells are in the data.
	const merges = new Set<string>();
	const warnings = builder.warnings.filter((w) => {
		if (w.kind !== 'merged') return true;
		const key = `${w.line}:${w.column}`;
		if (merges.has(key)) return false;
		merges.add(key);
		return true;
	});
	warnings.sort((a, b) => a.line - b.line || (a.column ?? -1) - (b.column ?? -1));
	return { ok: true, sheet: { format: 'xlsx', headers: builder.headers!, rows: builder.rows, warnings } };
}

/**
 * Excel keeps 15 significant digits of a number: one of 16 digits or more (a NIK or KK
 * typed without the Text format) has already lost its last digits, 3172061705800012
 * becoming 3172061705800010. `number_precision` marks such a cell.
 */
const EXCEL_EXACT_BELOW = 1e15;

/** A cell as the user reads it, plus its warnings. A merged cell reads as its range's master. */
function cellText(cell: ExcelJS.Cell, line: number, warnings: SheetWarning[]): string {
	const value = cell.value;
	const column = cell.fullAddress.col - 1;
	if (cell.type === ExcelJS.ValueType.Merge) return valueText(value);
	const formula = isFormula(value);
	// We import what the file last showed, not what a formula would compute now.
	if (formula) warnings.push({ line, column, kind: 'formula' });
	const number = formula ? value.result : value;
	if (typeof number === 'number' && Math.abs(number) >= EXCEL_EXACT_BELOW) {
		warnings.push({ line, column, kind: 'number_precision' });
	}
	return valueText(value);
}

function isFormula(value: ExcelJS.CellValue): value is ExcelJS.CellFormulaValue | ExcelJS.CellSharedFormulaValue {
	return typeof value === 'object' && value !== null && ('formula' in value || 'sharedFormula' in value);
}

function valueText(value: ExcelJS.CellValue): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return plainNumber(value);
	if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
	if (value instanceof Date) return isoDate(value);
	if (isFormula(value)) return valueText(value.result); // no cached result → ''
	if ('richText' in value) return value.richText.map((run) => run.text).join('');
	if ('hyperlink' in value) return valueText(value.text);
	return ''; // #N/A, #REF! and the other errors
}

/**
 * A number the way it is stored, never `3.175014101900001e+15` or `1e-7`. Integers
 * come back digit for digit, as far as the file kept them (see EXCEL_EXACT_BELOW).
 */
function plainNumber(n: number): string {
	if (Number.isInteger(n)) return BigInt(n).toString();
	const text = String(n);
	const [mantissa = '', exponent] = text.split('e');
	// Only |n| < 1e-6 has an exponent here: larger ones are integers or plain already.
	if (exponent === undefined || Number(exponent) >= 0) return text;
	const digits = mantissa.replace('-', '').replace('.', '');
	return `${n < 0 ? '-' : ''}0.${'0'.repeat(-Number(exponent) - 1)}${digits}`;
}

/** exceljs gives dates as UTC instants of the cell's calendar date. */
function isoDate(date: Date): string {
	if (Number.isNaN(date.getTime())) return '';
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

// ---------------------------------------------------------------------------
// Export

const MAX_COLUMN_WIDTH = 40;
/** Excel's Text format: what is typed or edited there stays text. */
const TEXT_FORMAT = '@';

/**
 * One sheet: bold, frozen header row; widths fitted to the content. Strings are
 * written as text cells in the Text format, so a NIK stays `3175014101900001` (not
 * 3.17501E+15) and `=HYPERLINK(…)` stays text even after a user edits the cell
 * (spreadsheet formula injection, CWE-1236). exceljs writes formulas only from
 * `{ formula }` values, which we never create.
 */
export async function writeXlsx(sheetName: string, headers: string[], rows: (string | number | null)[][]): Promise<Uint8Array> {
	if (rows.length < XLSX_OFF_THREAD_ROWS) return writeXlsxHere(sheetName, headers, rows);
	const { writeXlsxOffThread } = await import('./spreadsheet-client');
	return (await writeXlsxOffThread(sheetName, headers, rows)).bytes;
}

/**
 * From this many rows an export is written in a worker thread (spreadsheet-client.ts):
 * exceljs's work is CPU on the thread that runs it (8 s for 120,000 invoice rows), and
 * on the main thread it held up the MQTT broker's sockets that long. Fewer rows cost
 * less than starting the worker.
 */
export const XLSX_OFF_THREAD_ROWS = 2000;

/** `writeXlsx` on this thread (the worker's side, and small exports). */
export async function writeXlsxHere(sheetName: string, headers: string[], rows: (string | number | null)[][]): Promise<Uint8Array> {
	// The streaming writer: each row is written out as it is committed, so a large
	// export (the dues invoices of 2,000 houses × 60 months) holds the rows' values and
	// the compressed file, not exceljs's object per cell (~1 GB of heap for 120,000 rows).
	// Column widths come first, from one pass over the values.
	const widths = headers.map((h) => h.length);
	for (const values of rows) values.forEach((value, i) => (widths[i] = Math.max(widths[i] ?? 0, value === null ? 0 : String(value).length)));
	const out = new PassThrough();
	const chunks: Buffer[] = [];
	out.on('data', (chunk: Buffer) => chunks.push(chunk));
	const ended = new Promise<void>((resolve, reject) => {
		out.on('end', resolve);
		out.on('error', reject);
	});
	const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
	const ws = workbook.addWorksheet(safeSheetName(sheetName), { views: [{ state: 'frozen', ySplit: 1 }] });
	ws.columns = widths.map((width) => ({ width: Math.min(MAX_COLUMN_WIDTH, Math.max(8, width + 2)) }));
	const put = (values: (string | number | null)[], bold = false) => {
		const row = ws.addRow([]);
		values.forEach((value, i) => {
			if (value === null) return;
			const cell = row.getCell(i + 1);
			cell.value = value;
			if (typeof value === 'string') cell.numFmt = TEXT_FORMAT;
		});
		if (bold) row.font = { bold: true };
		row.commit();
	};
	put(headers, true);
	for (const values of rows) put(values);
	ws.commit();
	await workbook.commit();
	await ended;
	return new Uint8Array(Buffer.concat(chunks));
}

/** Excel's sheet-name rules: no `* ? : \ / [ ]`, no quote at either end, 1–31 characters. */
function safeSheetName(name: string): string {
	const cleaned = name
		.replace(/[*?:\\/[\]]/g, ' ')
		.slice(0, 31)
		.replace(/^[\s']+|[\s']+$/g, '');
	return cleaned === '' || cleaned.toLowerCase() === 'history' ? 'Sheet1' : cleaned;
}
