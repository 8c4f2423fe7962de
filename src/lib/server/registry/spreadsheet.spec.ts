import ExcelJS from 'exceljs';
import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { MAX_BYTES, MAX_ROWS, readSpreadsheet, writeXlsx, writeXlsxHere, type Sheet } from './spreadsheet';
import { writeXlsxOffThread } from './spreadsheet-client';

// Fixtures are built here, with exceljs or by hand; no binary files in the repository.

async function workbookBytes(build: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
	const wb = new ExcelJS.Workbook();
	build(wb);
	return new Uint8Array(await wb.xlsx.writeBuffer());
}

async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(new Uint8Array(bytes).buffer);
	return wb;
}

async function read(bytes: Uint8Array | string): Promise<Sheet> {
	const result = await readSpreadsheet(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
	if (!result.ok) throw new Error(`expected a sheet, got ${result.error}`);
	return result.sheet;
}

async function readError(bytes: Uint8Array | string) {
	const result = await readSpreadsheet(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
	return result.ok ? 'ok' : result.error;
}

interface ZipEntry {
	name: string;
	data: string | Buffer;
	/** Overrides the uncompressed size written in the headers. */
	declared?: number;
	/** Stored as is (method 0) instead of deflated. */
	stored?: boolean;
}

function zipOf(entries: ZipEntry[]): Uint8Array {
	const parts: Buffer[] = [];
	const directory: Buffer[] = [];
	let offset = 0;
	for (const { name, data, declared, stored } of entries) {
		const raw = Buffer.from(data);
		const packed = stored ? raw : deflateRawSync(raw);
		const method = stored ? 0 : 8;
		const fileName = Buffer.from(name);
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(method, 8);
		local.writeUInt32LE(crc32(raw), 14);
		local.writeUInt32LE(packed.length, 18);
		local.writeUInt32LE(declared ?? raw.length, 22);
		local.writeUInt16LE(fileName.length, 26);
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE(20, 4);
		central.writeUInt16LE(20, 6);
		central.writeUInt16LE(method, 10);
		central.writeUInt32LE(crc32(raw), 16);
		central.writeUInt32LE(packed.length, 20);
		central.writeUInt32LE(declared ?? raw.length, 24);
		central.writeUInt16LE(fileName.length, 28);
		central.writeUInt32LE(offset, 42);
		parts.push(local, fileName, packed);
		directory.push(central, fileName);
		offset += 30 + fileName.length + packed.length;
	}
	const dir = Buffer.concat(directory);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(entries.length, 8);
	end.writeUInt16LE(entries.length, 10);
	end.writeUInt32LE(dir.length, 12);
	end.writeUInt32LE(offset, 16);
	return new Uint8Array(Buffer.concat([...parts, dir, end]));
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const OFFICE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** The smallest workbook exceljs opens: one sheet, header `NIK` and the given number rows. */
function handMadeXlsx(dataRows: number, sheet?: Partial<Omit<ZipEntry, 'name'>>, stored = false): Uint8Array {
	const rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c></row>'];
	for (let r = 2; r <= dataRows + 1; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>${r}</v></c></row>`);
	const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
	return zipOf([
		{
			name: '[Content_Types].xml',
			data: xml(
				'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
					'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
					'<Default Extension="xml" ContentType="application/xml"/>' +
					'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
					'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
			)
		},
		{ name: '_rels/.rels', data: xml(`<Relationships xmlns="${PACKAGE_REL}"><Relationship Id="rId1" Type="${OFFICE_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
		{ name: 'xl/workbook.xml', data: xml(`<workbook xmlns="${MAIN}" xmlns:r="${OFFICE_REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
		{ name: 'xl/_rels/workbook.xml.rels', data: xml(`<Relationships xmlns="${PACKAGE_REL}"><Relationship Id="rId1" Type="${OFFICE_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`) },
		{ name: 'xl/worksheets/sheet1.xml', data: xml(`<worksheet xmlns="${MAIN}"><sheetData>${rows.join('')}</sheetData></worksheet>`), ...sheet }
	].map((entry) => ({ stored, ...entry })));
}

describe('readSpreadsheet: XLSX', () => {
	it('reads a register the way the user sees it in Excel', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Warga');
			// Row 1 is empty: the header is the first non-empty row.
			ws.getRow(2).values = ['  NIK ', 'Nama', 'Tanggal Lahir', 'Umur', 'RT', ' Catatan  '];
			ws.getRow(3).values = [3175014101900001, '  Siti   Rahmawati ', new Date(Date.UTC(1990, 0, 31)), { formula: 'YEAR(TODAY())-1990', result: 35 }, 3, 'KK baru'];
			ws.getRow(4).values = ['3175014101900002', 'Budi', new Date(Date.UTC(1985, 11, 1)), { formula: 'YEAR(TODAY())-1985' }, null, null];
			// Row 5 is empty and skipped.
			ws.getRow(6).values = ['3175014101900003', 'Ani', '1988-02-29', 37, null, null];
			ws.mergeCells('E3:E4'); // one RT written once for two rows
			ws.getCell('C3').numFmt = 'dd/mm/yyyy';
			ws.getCell('C4').numFmt = 'dd/mm/yyyy';
		});
		const sheet = await read(bytes);
		expect(sheet.format).toBe('xlsx');
		expect(sheet.headers).toEqual(['NIK', 'Nama', 'Tanggal Lahir', 'Umur', 'RT', 'Catatan']);
		expect(sheet.rows).toEqual([
			{ line: 3, cells: ['3175014101900001', 'Siti   Rahmawati', '1990-01-31', '35', '3', 'KK baru'] },
			{ line: 4, cells: ['3175014101900002', 'Budi', '1985-12-01', '', '3', ''] },
			{ line: 6, cells: ['3175014101900003', 'Ani', '1988-02-29', '37', '', ''] }
		]);
		expect(sheet.warnings).toEqual([
			{ line: 3, column: 0, kind: 'number_precision' }, // a NIK typed as a number
			{ line: 3, column: 3, kind: 'formula' },
			{ line: 3, column: 4, kind: 'merged' },
			{ line: 4, column: 3, kind: 'formula' }
		]);
	});

	it('finds the header below a title, merged or not, keeping Excel line numbers', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Warga');
			ws.getCell('A1').value = 'DAFTAR WARGA RT 001 / RW 005';
			ws.mergeCells('A1:D1');
			ws.getCell('A2').value = 'Kelurahan Cilincing'; // one cell, not merged
			ws.getRow(4).values = ['No', 'NIK', 'Nama', 'RT'];
			ws.getRow(5).values = [1, '3175014101900001', 'Siti', 'RT 001'];
			ws.getRow(6).values = [2, '3175014101900002', 'Budi', 'RT 001'];
		});
		const sheet = await read(bytes);
		expect(sheet.headers).toEqual(['No', 'NIK', 'Nama', 'RT']);
		expect(sheet.rows).toEqual([
			{ line: 5, cells: ['1', '3175014101900001', 'Siti', 'RT 001'] },
			{ line: 6, cells: ['2', '3175014101900002', 'Budi', 'RT 001'] }
		]);
		expect(sheet.warnings).toEqual([]); // the merged title is no data
	});

	it('takes the first row as the header of a one-column sheet', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			for (const value of ['NIK', '3175014101900001', '3175014101900002']) ws.addRow([value]);
			ws.addRow(['3175014101900003', 'catatan di luar tabel']);
		});
		const sheet = await read(bytes);
		expect(sheet.headers).toEqual(['NIK']);
		expect(sheet.rows.map((r) => [r.line, r.cells])).toEqual([
			[2, ['3175014101900001']],
			[3, ['3175014101900002']],
			[4, ['3175014101900003']]
		]);
	});

	it('warns about numbers of 16 digits or more, which Excel cannot hold exactly', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			ws.addRow(['NIK', 'No KK', 'Telepon', 'Hitung']);
			// As Excel saves 3172061705800012 typed as a number: 15 digits kept.
			ws.addRow([3172061705800010, 317206010120001, 81200000001, { formula: 'B2*10', result: 3172060101200010 }]);
		});
		const sheet = await read(bytes);
		expect(sheet.rows[0]!.cells).toEqual(['3172061705800010', '317206010120001', '81200000001', '3172060101200010']);
		expect(sheet.warnings).toEqual([
			{ line: 2, column: 0, kind: 'number_precision' },
			{ line: 2, column: 3, kind: 'formula' },
			{ line: 2, column: 3, kind: 'number_precision' }
		]);
	});

	it('turns every kind of cell into the text Excel shows', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			ws.addRow(['Bool', 'Rich', 'Link', 'Error', 'Big', 'Tiny', 'Huge', 'Neg', 'Shared', 'FormulaText', 'Date']);
			ws.addRow([
				true,
				{ richText: [{ text: 'Jl. ', font: { bold: true } }, { text: 'Mawar' }] },
				{ text: 'peta rumah', hyperlink: 'https://example.org/rumah' },
				{ error: '#N/A' },
				2 ** 53 + 2,
				1e-7,
				1e21,
				-12.5,
				{ formula: 'H2*2', result: -25 },
				{ formula: 'A2&""', result: 'TRUE' },
				1e12 // as a date: past year 9999, shown as ##### by Excel
			]);
			ws.getCell('K2').numFmt = 'yyyy-mm-dd';
			ws.addRow([false, null, null, { formula: '1/0', result: { error: '#DIV/0!' } }, 12, 0.1, 0, 0, { sharedFormula: 'I2', result: 3 }, null]);
		});
		const sheet = await read(bytes);
		expect(sheet.rows.map((r) => r.cells)).toEqual([
			['TRUE', 'Jl. Mawar', 'peta rumah', '', '9007199254740994', '0.0000001', '1000000000000000000000', '-12.5', '-25', 'TRUE', ''],
			['FALSE', '', '', '', '12', '0.1', '0', '0', '3', '', '']
		]);
		expect(sheet.warnings).toEqual([
			{ line: 2, column: 4, kind: 'number_precision' },
			{ line: 2, column: 6, kind: 'number_precision' },
			{ line: 2, column: 8, kind: 'formula' },
			{ line: 2, column: 9, kind: 'formula' },
			{ line: 3, column: 3, kind: 'formula' },
			{ line: 3, column: 8, kind: 'formula' }
		]);
	});

	it('cuts rows to the header and pads short ones', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			ws.addRow(['NIK', '', 'Nama']); // a gap in the header is still a column
			ws.addRow(['1', 'x', 'Siti', 'no header here', { formula: '1+1', result: 2 }]);
			ws.addRow(['2']);
			ws.addRow([null, null, null, 'only beyond the header']); // empty once cut: skipped
		});
		const sheet = await read(bytes);
		expect(sheet.headers).toEqual(['NIK', '', 'Nama']);
		expect(sheet.rows).toEqual([
			{ line: 2, cells: ['1', 'x', 'Siti'] },
			{ line: 3, cells: ['2', '', ''] }
		]);
		expect(sheet.warnings).toEqual([]); // the formula is outside the header
	});

	it('warns once per merged range in the data, not for a merged header', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			ws.addRow(['Alamat', '', 'RT']);
			ws.mergeCells('A1:B1');
			ws.addRow(['Jl. Mawar 1', null, { formula: '1+2', result: 3 }]);
			ws.addRow([null, null, null]);
			ws.addRow([null, null, 4]);
			ws.mergeCells('A2:B4'); // one address for three rows, two columns
			ws.mergeCells('C2:C3'); // a formula merged down: one formula, not two
		});
		const sheet = await read(bytes);
		expect(sheet.headers).toEqual(['Alamat', 'Alamat', 'RT']);
		expect(sheet.rows).toEqual([
			{ line: 2, cells: ['Jl. Mawar 1', 'Jl. Mawar 1', '3'] },
			{ line: 3, cells: ['Jl. Mawar 1', 'Jl. Mawar 1', '3'] },
			{ line: 4, cells: ['Jl. Mawar 1', 'Jl. Mawar 1', '4'] }
		]);
		expect(sheet.warnings).toEqual([
			{ line: 2, column: 0, kind: 'merged' },
			{ line: 2, column: 2, kind: 'formula' },
			{ line: 2, column: 2, kind: 'merged' }
		]);
	});

	it('reads the first visible sheet and warns when other sheets hold data', async () => {
		const bytes = await workbookBytes((wb) => {
			const lookup = wb.addWorksheet('Kode');
			lookup.addRow(['kode agama']);
			lookup.state = 'hidden';
			const data = wb.addWorksheet('RT 03');
			data.addRow(['NIK']);
			data.addRow(['3175014101900001']);
			wb.addWorksheet('Kosong');
		});
		const sheet = await read(bytes);
		expect(sheet.headers).toEqual(['NIK']);
		expect(sheet.rows).toEqual([{ line: 2, cells: ['3175014101900001'] }]);
		expect(sheet.warnings).toEqual([{ line: 0, column: null, kind: 'extra_sheets' }]);
	});

	it('does not warn about empty extra sheets', async () => {
		const bytes = await workbookBytes((wb) => {
			wb.addWorksheet('Data').addRow(['NIK']);
			wb.addWorksheet('Sheet2');
		});
		const sheet = await read(bytes);
		expect(sheet).toEqual({ format: 'xlsx', headers: ['NIK'], rows: [], warnings: [] });
	});

	it('is empty without a header row', async () => {
		const bytes = await workbookBytes((wb) => {
			const ws = wb.addWorksheet('Data');
			ws.getCell('B3').value = '   ';
		});
		expect(await readError(bytes)).toBe('empty');
	});

	it('reads a hand-made workbook at the row limit', async () => {
		const sheet = await read(handMadeXlsx(MAX_ROWS));
		expect(sheet.rows).toHaveLength(MAX_ROWS);
		expect(sheet.rows.at(-1)).toEqual({ line: MAX_ROWS + 1, cells: [String(MAX_ROWS + 1)] });
	});

	it(`refuses ${MAX_ROWS + 1} data rows`, async () => {
		expect(await readError(handMadeXlsx(MAX_ROWS + 1))).toBe('too_many_rows');
	});

	/** 4 × MAX_ROWS rows, cut short: had exceljs parsed it, the answer would be `unreadable`. */
	function manyRowsSheet(): string {
		const rows = Array.from({ length: 4 * MAX_ROWS }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>1</v></c></row>`).join('');
		return `<worksheet xmlns="${MAIN}"><sheetData>${rows}`;
	}

	it('refuses a sheet with far too many rows before exceljs parses it', async () => {
		// Rows are small: a 10 MB upload can hold a million.
		const bytes = handMadeXlsx(0, { data: manyRowsSheet() });
		expect(bytes.byteLength).toBeLessThan(MAX_BYTES);
		expect(await readError(bytes)).toBe('too_many_rows');
	});

	it('checks every entry exceljs would read, whatever the ZIP directory claims', async () => {
		// JSZip reads every directory record, even when the end record counts fewer.
		const forged = handMadeXlsx(0, { data: manyRowsSheet() });
		const end = forged.byteLength - 22;
		forged.set([1, 0, 1, 0], end + 8);
		expect(await readError(forged)).toBe('too_many_rows');
		// exceljs takes any name containing `xl/worksheets/sheetN.xml` for a worksheet.
		const renamed = zipOf([{ name: 'xl/worksheets/sheet1.xml_', data: manyRowsSheet() }]);
		expect(await readError(renamed)).toBe('too_many_rows');
	});

	it('refuses a sheet with too many cells before exceljs parses it', async () => {
		const row = (r: number) => `<row r="${r}">${'<c s="1"/>'.repeat(1700)}</row>`;
		const rows = Array.from({ length: 1000 }, (_, i) => row(i + 1)).join(''); // 1.7 million empty styled cells
		expect(await readError(handMadeXlsx(0, { data: `<worksheet xmlns="${MAIN}"><sheetData>${rows}` }))).toBe('too_large');
	});

	it('reads stored (uncompressed) entries, and refuses inconsistent ones', async () => {
		expect((await read(handMadeXlsx(2, undefined, true))).rows).toEqual([
			{ line: 2, cells: ['2'] },
			{ line: 3, cells: ['3'] }
		]);
		expect(await readError(handMadeXlsx(2, { stored: true, declared: 10 }))).toBe('unreadable');
	});

	it('refuses a ZIP that inflates to more than it declares, or to too much', async () => {
		const sheet = `<worksheet xmlns="${MAIN}"><sheetData>${'<row r="1"/>'.repeat(1000)}</sheetData></worksheet>`;
		expect(await readError(handMadeXlsx(0, { data: sheet, declared: 100 }))).toBe('unreadable');
		expect(await readError(handMadeXlsx(0, { data: sheet, declared: 200 * 1024 * 1024 }))).toBe('too_large');
	});
});

describe('readSpreadsheet: CSV', () => {
	it('reads what Indonesian Excel writes: BOM, semicolons, quotes, CRLF', async () => {
		const csv =
			'\uFEFF"NIK";Nama;Alamat;Catatan\r\n' +
			'3175014101900001;"Rahmawati; Siti";"Jl. ""Mawar"" 1";"baris satu\r\nbaris dua"\r\n' +
			'\r\n' +
			'  3175014101900002 ; Budi ;;\r\n';
		const sheet = await read(csv);
		expect(sheet).toEqual({
			format: 'csv',
			headers: ['NIK', 'Nama', 'Alamat', 'Catatan'],
			rows: [
				{ line: 2, cells: ['3175014101900001', 'Rahmawati; Siti', 'Jl. "Mawar" 1', 'baris satu\r\nbaris dua'] },
				{ line: 4, cells: ['3175014101900002', 'Budi', '', ''] }
			],
			warnings: []
		});
	});

	it.each([
		['comma', 'NIK,Nama\n1,"Siti, S.Pd"\n', ['1', 'Siti, S.Pd']],
		['comma, a semicolon quoted in the header', '"Nama; gelar",NIK\nSiti,1\n', ['Siti', '1']],
		['tab', 'NIK\tNama, gelar\n1\tSiti, S.Pd\n', ['1', 'Siti, S.Pd']],
		['semicolon after blank lines', '\n;;\nNIK;Nama\n1;Siti\n', ['1', 'Siti']],
		['an Excel sep= line', 'sep=;\nNIK,x;Nama\n1,5;Siti', ['1,5', 'Siti']],
		['a single column', 'NIK\n1\n', ['1']]
	])('detects the delimiter: %s', async (_, csv, cells) => {
		const sheet = await read(csv);
		expect(sheet.rows[0]?.cells).toEqual(cells);
	});

	it.each([
		['a title line with the delimiters Excel pads it with', 'DAFTAR WARGA RT 001;;;\r\n;;;\r\nNIK;Nama;RT;Blok\r\n3175014101900001;Siti;1;A\r\n', 4],
		['title lines without delimiters', 'DAFTAR WARGA RT 001\nRW 005, Cilincing\n\nNIK;Nama;RT;Blok\n3175014101900001;Siti;1;A\n', 5]
	])('finds the header below %s', async (_, csv, line) => {
		const sheet = await read(csv);
		expect(sheet.headers).toEqual(['NIK', 'Nama', 'RT', 'Blok']);
		expect(sheet.rows).toEqual([{ line, cells: ['3175014101900001', 'Siti', '1', 'A'] }]);
	});

	it('numbers lines as Excel shows them: one line per record, sep= hidden', async () => {
		const sheet = await read('sep=,\nNIK,Catatan\n1,"a\nb\nc"\n2,x\n');
		expect(sheet.rows.map((r) => r.line)).toEqual([2, 3]);
	});

	it('pads and cuts rows to the header; keeps text after a closing quote', async () => {
		const sheet = await read('A,B\n1\n1,2,3\n "q" x,y\n');
		expect(sheet.rows.map((r) => r.cells)).toEqual([
			['1', ''],
			['1', '2'],
			['q x', 'y']
		]);
	});

	it('refuses an unterminated quote rather than swallowing the rest of the file', async () => {
		expect(await readError('NIK;Nama\n1;"Siti\n2;Budi\n')).toBe('unreadable');
	});

	it(`reads ${MAX_ROWS} rows and refuses ${MAX_ROWS + 1}`, async () => {
		const csv = (n: number) => 'NIK;Nama\n' + Array.from({ length: n }, (_, i) => `${3175014101900000 + i};Warga ${i}\n`).join('');
		const sheet = await read(csv(MAX_ROWS));
		expect(sheet.rows).toHaveLength(MAX_ROWS);
		expect(sheet.rows.at(-1)).toEqual({ line: MAX_ROWS + 1, cells: [String(3175014101900000 + MAX_ROWS - 1), `Warga ${MAX_ROWS - 1}`] });
		expect(await readError(csv(MAX_ROWS + 1))).toBe('too_many_rows');
	});

	it.each([
		['an empty file', ''],
		['a BOM only', '\uFEFF'],
		['blank lines and delimiters', '\r\n ; ; \r\n\t\n']
	])('is empty: %s', async (_, csv) => {
		expect(await readError(csv)).toBe('empty');
	});
});

describe('readSpreadsheet: format by content', () => {
	it('refuses images, PDFs and non-UTF-8 text whatever their name', async () => {
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
		expect(await readError(png)).toBe('unsupported_type');
		expect(await readError('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n')).toBe('unsupported_type');
		expect(await readError(new Uint8Array([0x4e, 0x61, 0x6d, 0x61, 0x0a, 0x53, 0xe9, 0x6e]))).toBe('unsupported_type'); // Latin-1 "Séna"
		expect(await readError(new Uint8Array([0xff, 0xfe, 0x4e, 0x00, 0x49, 0x00]))).toBe('unsupported_type'); // UTF-16
		expect(await readError('NIK;Nama\n1;\0\0\0\n')).toBe('unsupported_type');
	});

	it('refuses a ZIP that is not a workbook', async () => {
		const junk = new Uint8Array(512).map((_, i) => (i * 7919 + 13) % 256);
		junk.set([0x50, 0x4b, 0x03, 0x04]);
		expect(await readError(junk)).toBe('unreadable');
		expect(await readError(zipOf([{ name: 'word/document.xml', data: '<w:document/>' }]))).toBe('unreadable');
	});

	it('refuses a workbook whose sheet is not XML', async () => {
		expect(await readError(handMadeXlsx(0, { data: '<worksheet><sheetData><row r="1">' }))).toBe('unreadable');
	});

	it(`refuses files over ${MAX_BYTES} bytes before parsing`, async () => {
		const big = new Uint8Array(MAX_BYTES + 1).fill(0x41);
		expect(await readError(big)).toBe('too_large');
		expect(await readError(big.subarray(0, MAX_BYTES))).toBe('ok'); // the same bytes, at the limit: one column "AAAA…"
	});
});

describe('writeXlsx', () => {
	const headers = ['NIK', 'No KK', 'Nama', 'RT', 'Catatan'];
	const rows: (string | number | null)[][] = [
		['3175014101900001', '3175010101900001', 'Siti Rahmawati', 3, '=HYPERLINK("x")'],
		['0012', '3175010101900002', 'Budi', 12.5, null],
		['3175014101900003', '+6281200000001', '@SUM(A1)', null, '-1']
	];

	it('writes an export in another thread (from XLSX_OFF_THREAD_ROWS rows), the same sheet as written here', async () => {
		const many = Array.from({ length: 200 }, (_, i) => [`31750141019${String(i).padStart(5, '0')}`, `Warga ${i}`, i % 12, i % 7 ? null : '=1+1']);
		const off = await writeXlsxOffThread('Warga', ['NIK', 'Nama', 'RT', 'Catatan'], many);
		expect(off.thread.threadId).not.toBe(threadId);
		expect(off.thread.nice).toBeGreaterThan(os.getPriority());
		const here = await read(await writeXlsxHere('Warga', ['NIK', 'Nama', 'RT', 'Catatan'], many));
		expect(await read(off.bytes)).toEqual(here);
		expect(here.rows).toHaveLength(200);
	}, 60_000);

	it('round-trips through readSpreadsheet', async () => {
		const sheet = await read(await writeXlsx('Warga RT 03', headers, rows));
		expect(sheet.headers).toEqual(headers);
		expect(sheet.rows).toEqual([
			{ line: 2, cells: ['3175014101900001', '3175010101900001', 'Siti Rahmawati', '3', '=HYPERLINK("x")'] },
			{ line: 3, cells: ['0012', '3175010101900002', 'Budi', '12.5', ''] },
			{ line: 4, cells: ['3175014101900003', '+6281200000001', '@SUM(A1)', '', '-1'] }
		]);
		expect(sheet.warnings).toEqual([]);
	});

	it('writes ID numbers and formula-like strings as text, never as numbers or formulas', async () => {
		const wb = await loadWorkbook(await writeXlsx('Warga', headers, rows));
		const ws = wb.worksheets[0]!;
		const nik = ws.getCell('A2');
		expect([nik.type, nik.value, nik.numFmt]).toEqual([ExcelJS.ValueType.String, '3175014101900001', '@']);
		const injected = ws.getCell('E2');
		expect([injected.type, injected.value, injected.formula]).toEqual([ExcelJS.ValueType.String, '=HYPERLINK("x")', undefined]);
		expect(ws.getCell('C4').type).toBe(ExcelJS.ValueType.String);
		expect(ws.getCell('E4').type).toBe(ExcelJS.ValueType.String);
		const rt = ws.getCell('D2');
		expect([rt.type, rt.value]).toEqual([ExcelJS.ValueType.Number, 3]);
	});

	it('has a bold frozen header and fitted column widths', async () => {
		const long = 'x'.repeat(100);
		const wb = await loadWorkbook(await writeXlsx('Warga', ['NIK', 'Catatan', 'RT'], [['3175014101900001', long, 1]]));
		const ws = wb.worksheets[0]!;
		expect(ws.name).toBe('Warga');
		expect(ws.getCell('A1').font?.bold).toBe(true);
		expect(ws.getCell('A2').font?.bold).not.toBe(true);
		expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
		expect([1, 2, 3].map((c) => ws.getColumn(c).width)).toEqual([18, 40, 8]);
	});

	it.each([
		['RT 03/RW 05: [2025]', 'RT 03 RW 05   2025'],
		[`'${'x'.repeat(29)}'abc`, 'x'.repeat(29)], // cut to 31 characters, then no quote at either end
		['History', 'Sheet1'],
		[' ?* ', 'Sheet1']
	])('makes %j a valid sheet name', async (name, expected) => {
		const wb = await loadWorkbook(await writeXlsx(name, ['NIK'], []));
		expect(wb.worksheets[0]!.name).toBe(expected);
	});
});
