// PostgreSQL's binary COPY format, for bulk loads (`Database.copyIn`).
//
// Measured on PGlite with 2,500 sensor readings per batch (bench/README.md): COPY of
// this format stores a reading in 5.3 µs, against 18 µs for `insert … select from
// unnest(…)` with the values as text arrays, most of which went on parsing those
// arrays inside the database. The format (PostgreSQL docs, "COPY", Binary Format): a
// signature, flags and header extension, then per row a field count and each field as
// a length (-1 for NULL) and its bytes in the type's binary (send/recv) form, then -1.
// One pass sizes the buffer, a second writes it: no object per row or field (a
// repeated uuid or timestamp string is parsed once per run of equal values).

/** The column types a bulk load may use, by their PostgreSQL names. */
export type CopyType = 'text' | 'uuid' | 'int8' | 'float4' | 'float8' | 'bool' | 'timestamptz';

/**
 * A value for a column: string (text, uuid), safe integer (int8), number (float4,
 * float8), boolean, Date or a UTC ISO-8601 string with up to six fractional digits
 * (timestamptz: the string keeps microseconds a Date cannot hold), or null.
 */
export type CopyValue = string | number | boolean | Date | null;

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // PGCOPY\n\377\r\n\0
const HEADER_BYTES = SIGNATURE.length + 4 + 4; // flags, header extension length
/** Unix epoch ms of PostgreSQL's epoch, 2000-01-01 00:00 UTC: timestamps count µs from it. */
const PG_EPOCH_MS = 946_684_800_000;
const FLOAT4_MAX = 3.4028234663852886e38;
const FIXED: Record<Exclude<CopyType, 'text'>, number> = { uuid: 16, int8: 8, float4: 4, float8: 8, bool: 1, timestamptz: 8 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const utf8 = new TextEncoder();

/**
 * `rows` in the binary COPY format for columns of `types`. Throws on a value its
 * column cannot hold (a wrong type, a malformed uuid, an unsafe or fractional
 * integer, an invalid Date), naming row and column: a bug, never data to store.
 */
export function encodeCopyBinary(types: readonly CopyType[], rows: readonly (readonly CopyValue[])[]): Uint8Array<ArrayBuffer> {
	let size = HEADER_BYTES + 2;
	for (let r = 0; r < rows.length; r++) {
		const row = rows[r]!;
		if (row.length !== types.length) throw new Error(`COPY row ${r}: ${row.length} values for ${types.length} columns`);
		size += 2 + 4 * types.length;
		for (let c = 0; c < types.length; c++) {
			const v = row[c];
			if (v === null) continue;
			const type = types[c]!;
			if (type === 'text') {
				if (typeof v !== 'string') throw badValue(r, c, type);
				size += Buffer.byteLength(v, 'utf8');
			} else size += FIXED[type];
		}
	}
	const out = new Uint8Array(size);
	const view = new DataView(out.buffer);
	out.set(SIGNATURE, 0);
	let at = HEADER_BYTES; // flags and extension length stay 0
	let lastIso = '';
	let lastIsoUs = NaN;
	let lastUuid: CopyValue = null;
	let lastUuidBytes = new Uint8Array(16);
	for (let r = 0; r < rows.length; r++) {
		const row = rows[r]!;
		view.setInt16(at, types.length);
		at += 2;
		for (let c = 0; c < types.length; c++) {
			const v = row[c]!;
			const type = types[c]!;
			if (v === null) {
				view.setInt32(at, -1);
				at += 4;
				continue;
			}
			const lengthAt = at;
			at += 4;
			switch (type) {
				case 'text': {
					const { written } = utf8.encodeInto(v as string, out.subarray(at));
					at += written;
					break;
				}
				case 'uuid': {
					// Bulk rows repeat a handful of ids (the RW): parse each once.
					if (v !== lastUuid) {
						if (typeof v !== 'string' || !UUID.test(v)) throw badValue(r, c, type);
						lastUuid = v;
						lastUuidBytes = Buffer.from(v.replaceAll('-', ''), 'hex');
					}
					out.set(lastUuidBytes, at);
					at += 16;
					break;
				}
				case 'int8':
					if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badValue(r, c, type);
					setInt64(view, at, v);
					at += 8;
					break;
				case 'float4':
				case 'float8':
					// As the statement's text input would: no NaN, no infinity, no float4 overflow.
					if (typeof v !== 'number' || !Number.isFinite(v) || (type === 'float4' && Math.abs(v) > FLOAT4_MAX)) throw badValue(r, c, type);
					if (type === 'float4') view.setFloat32(at, v);
					else view.setFloat64(at, v);
					at += FIXED[type];
					break;
				case 'bool':
					if (typeof v !== 'boolean') throw badValue(r, c, type);
					out[at++] = v ? 1 : 0;
					break;
				case 'timestamptz': {
					let us: number;
					if (v instanceof Date) us = v.getTime() * 1000;
					else if (typeof v === 'string') {
						if (v !== lastIso) [lastIso, lastIsoUs] = [v, isoMicroseconds(v)];
						us = lastIsoUs;
					} else us = NaN;
					// In µs a Date stays exact up to about the year 2255.
					if (!Number.isSafeInteger(us - PG_EPOCH_MS * 1000)) throw badValue(r, c, type);
					setInt64(view, at, us - PG_EPOCH_MS * 1000);
					at += 8;
					break;
				}
			}
			view.setInt32(lengthAt, at - lengthAt - 4);
		}
	}
	view.setInt16(at, -1);
	return out;
}

const ISO_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/;

/** Microseconds since the Unix epoch of a UTC ISO-8601 string; NaN when it is not one. */
export function isoMicroseconds(iso: string): number {
	const m = ISO_UTC.exec(iso);
	if (!m) return NaN;
	const seconds = Date.parse(`${m[1]}Z`);
	// Date.parse accepts 2026-02-30 (as 2 March) and 24:00; PostgreSQL does not.
	if (!Number.isFinite(seconds) || new Date(seconds).toISOString().slice(0, 19) !== m[1]) return NaN;
	return seconds * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** A safe integer as a big-endian int64, without a BigInt per value. */
function setInt64(view: DataView, at: number, n: number) {
	const high = Math.floor(n / 2 ** 32);
	view.setInt32(at, high);
	view.setUint32(at + 4, n - high * 2 ** 32);
}

function badValue(row: number, column: number, type: CopyType): Error {
	return new Error(`COPY row ${row}, column ${column}: not a ${type} value`);
}

/**
 * The COPY statement PGlite runs for `Database.copyIn`: PGlite reads the file
 * '/dev/blob' from the blob given to query() (used in this thread and in its worker).
 */
export function pgliteCopyStatement(table: string, columns: readonly string[]): string {
	return `copy ${copyTarget(table, columns)} from '/dev/blob' with (format binary)`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * `table (columns)` for a COPY statement, from names the code chose (lower-case
 * identifiers, optionally schema-qualified); anything else throws.
 */
export function copyTarget(table: string, columns: readonly string[]): string {
	const parts = table.split('.');
	if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) throw new Error(`COPY: bad table name ${JSON.stringify(table)}`);
	if (columns.length === 0 || !columns.every((c) => IDENTIFIER.test(c))) throw new Error(`COPY: bad column list ${JSON.stringify(columns)}`);
	return `${table} (${columns.join(', ')})`;
}
