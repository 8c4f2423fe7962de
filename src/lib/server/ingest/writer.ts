import type { Database, Sql } from '../db';
import { encodeCopyBinary, type CopyType } from '../db/copy';
import { batchTime } from './rollups';

export interface ReadingRow {
	deviceId: string;
	rwId: string;
	/** 0 when the device sends none. */
	boot: number;
	seq: number;
	ts: Date;
	levelCm: number | null;
	distanceCm: number | null;
	batteryV: number | null;
	clockSkew: boolean;
}

const READING_COLUMNS = ['device_id', 'rw_id', 'boot', 'seq', 'ts', 'level_cm', 'distance_cm', 'battery_v', 'clock_skew', 'received_at'];
const READING_TYPES: CopyType[] = ['text', 'uuid', 'int8', 'int8', 'timestamptz', 'float4', 'float4', 'float4', 'bool', 'timestamptz'];

/**
 * What a PUBACK waits for: the raw readings, received at `batchAt`, with duplicates of
 * stored (device, boot, seq) skipped, and the batch's `rollup_pending` row, in one
 * transaction. Rollups come later from memory (rollups.ts). `rows` must not repeat a
 * key. Returns the keys (`readingKey`) that were already stored: normally none.
 *
 * Where the database can (PGlite), the rows go in by binary COPY, 3.4x cheaper per
 * reading than the statement (bench/README.md). COPY has no ON CONFLICT: when a
 * reading is already stored (a device re-sending one whose PUBACK it missed), the
 * whole COPY rolls back and the batch is written again by the statement, which skips
 * and reports the duplicates. `onFallback` is called once that write succeeded. While
 * devices re-send after a broker restart, such batches cost the failed COPY plus the
 * statement (about 23 µs per reading instead of 18 for the statement alone).
 *
 * On PostgreSQL (no COPY: see Database.copyIn) the first write is a plain insert
 * (INSERT_READINGS), with the same fallback. Not for use inside a transaction: the
 * failed first write would abort it.
 */
export async function writeReadings(db: Database | Sql, rows: ReadingRow[], batchAt: string, onFallback?: () => void): Promise<Set<string>> {
	let minTs = Infinity;
	let maxTs = -Infinity;
	for (const r of rows) {
		const t = r.ts.getTime();
		if (t < minTs) minTs = t;
		if (t > maxTs) maxTs = t;
	}
	const range = [new Date(minTs).toISOString(), new Date(maxTs).toISOString()];
	let fellBack = false;
	if ('copyIn' in db && db.copyIn) {
		const data = encodeCopyBinary(
			READING_TYPES,
			rows.map((r) => [r.deviceId, r.rwId, r.boot, r.seq, r.ts, r.levelCm, r.distanceCm, r.batteryV, r.clockSkew, batchAt])
		);
		try {
			await db.copyIn('reading', READING_COLUMNS, data, [{ text: INSERT_PENDING, params: [batchAt, ...range] }]);
			return new Set();
		} catch (err) {
			if (!isDuplicateReading(err)) throw err;
			fellBack = true;
		}
	}
	const params = [
		textArray(rows.map((r) => r.deviceId)),
		textArray(rows.map((r) => r.rwId)),
		numberArray(rows.map((r) => r.seq)),
		numberArray(rows.map((r) => r.ts.getTime())),
		numberArray(rows.map((r) => r.levelCm)),
		numberArray(rows.map((r) => r.distanceCm)),
		numberArray(rows.map((r) => r.batteryV)),
		`{${rows.map((r) => pgBool(r.clockSkew)).join(',')}}`,
		numberArray(rows.map((r) => r.boot)),
		batchAt,
		...range
	];
	if (!fellBack) {
		try {
			await db.query(INSERT_READINGS, params);
			return new Set();
		} catch (err) {
			if (!isDuplicateReading(err)) throw err;
			fellBack = true;
		}
	}
	const duplicates = await db.query<{ device_id: string; boot: string | number; seq: string | number }>(INSERT_READINGS_SKIPPING, params);
	if (fellBack) onFallback?.();
	return new Set(duplicates.map((r) => readingKey(r.device_id, r.boot, r.seq)));
}

/** The batch's rows from the statement's array parameters (writeReadings). */
const INPUT = `
  -- Times as epoch milliseconds: cheaper to send and read than timestamptz text.
  select device_id, rw_id, seq, to_timestamp(ms / 1000.0) as ts, level_cm, distance_cm, battery_v, clock_skew::boolean as clock_skew, boot
    from unnest($1::text[], $2::uuid[], $3::bigint[], $4::float8[], $5::real[], $6::real[], $7::real[], $8::text[], $9::bigint[])
      as t(device_id, rw_id, seq, ms, level_cm, distance_cm, battery_v, clock_skew, boot)`;

const INSERT_INPUT = `insert into reading (device_id, rw_id, boot, seq, ts, level_cm, distance_cm, battery_v, clock_skew, received_at)
   -- The batch time in a subquery: cast once (an init plan), not once per row.
   select device_id, rw_id, boot, seq, ts, level_cm, distance_cm, battery_v, clock_skew, (select $10::text::timestamptz) from input`;

/**
 * The usual batch, none of it stored yet: a plain insert and the batch's pending row,
 * failing as a whole on a stored key. Without ON CONFLICT, PostgreSQL checks each key
 * once, as it inserts its index entry, instead of probing the index first and then
 * confirming a speculative insertion (a second WAL record per row), and returns nothing.
 */
const INSERT_READINGS = `with input as (${INPUT}),
  ins as (${INSERT_INPUT})
  insert into rollup_pending (batch_at, min_ts, max_ts) values ($10::text::timestamptz, $11, $12)`;

/** A batch holding readings already stored: those are skipped and returned. */
const INSERT_READINGS_SKIPPING = `with input as (${INPUT}),
  ins as (${INSERT_INPUT} on conflict (device_id, boot, seq) do nothing returning device_id, boot, seq),
  pending as (insert into rollup_pending (batch_at, min_ts, max_ts) values ($10::text::timestamptz, $11, $12) returning 1)
  select device_id, boot, seq from input except select device_id, boot, seq from ins`;

// The batch time is sent as text: postgres.js would turn a timestamptz parameter into
// a JavaScript Date and drop its microseconds.
const INSERT_PENDING = `insert into rollup_pending (batch_at, min_ts, max_ts) values ($1::text::timestamptz, $2, $3)`;

function isDuplicateReading(err: unknown): boolean {
	const e = err as { code?: string; constraint?: string; constraint_name?: string };
	return e.code === '23505' && (e.constraint ?? e.constraint_name) === 'reading_pkey';
}

/**
 * `writeReadings` at a fresh batch time (`time()`), again at a new time when another
 * instance took the same one (the statement failed on `rollup_pending`'s key, so
 * nothing was written). Returns the batch time used and the keys already stored.
 */
export async function writeBatch(
	db: Database | Sql,
	rows: ReadingRow[],
	time: () => string = batchTime,
	onFallback?: () => void
): Promise<{ batchAt: string; stored: Set<string> }> {
	for (let attempt = 1; ; attempt++) {
		const batchAt = time();
		try {
			return { batchAt, stored: await writeReadings(db, rows, batchAt, onFallback) };
		} catch (err) {
			if (attempt >= 3 || !isBatchClash(err)) throw err;
		}
	}
}

function isBatchClash(err: unknown): boolean {
	// PGlite names the field as libpq does, postgres.js as the protocol does.
	const e = err as { code?: string; constraint?: string; constraint_name?: string };
	return e.code === '23505' && (e.constraint ?? e.constraint_name) === 'rollup_pending_pkey';
}

/** What makes a device message unique: device, boot and seq. */
export const readingKey = (deviceId: string, boot: number | string, seq: number | string) => `${deviceId}:${boot}:${seq}`;

/**
 * Booleans travel as 't'/'f' in a text[] parameter, cast in SQL: postgres.js cannot send a JS
 * boolean[], and given a bool[] parameter it serialises every element that is not `true`
 * (the string 't' included) as false.
 */
const pgBool = (b: boolean) => (b ? 't' : 'f');

/**
 * An array parameter as PostgreSQL's array literal, built here in one join: the
 * database worker then posts one string per column instead of cloning 5,000 values
 * and having postgres.js escape each (measured in bench:ingest-external: that was a
 * fifth of the PostgreSQL worker's busy time). The statement casts it (`$1::bigint[]`).
 */
function numberArray(values: readonly (number | null)[]): string {
	// Array.join (native, one flat string) when there is no null, the usual case.
	if (!values.includes(null)) return `{${values.join(',')}}`;
	return `{${values.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;
}

/** Text elements double-quoted, with `"` and `\\` escaped: any string, also one spelled NULL. */
function textArray(values: readonly string[]): string {
	// One search over all the values for the usual case, where none needs escaping.
	if (values.length > 0 && !/["\\]/.test(values.join(''))) return `{"${values.join('","')}"}`;
	return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

export interface PanicRow {
	deviceId: string;
	rwId: string;
	boot: number;
	seq: number;
	ts: Date;
	clockSkew: boolean;
}

export async function writePanics(db: Sql, rows: PanicRow[]): Promise<Set<string>> {
	const inserted = await db.query<{ device_id: string; boot: string | number; seq: string | number }>(
		`insert into panic_event (device_id, rw_id, boot, seq, ts, clock_skew)
		 select distinct on (d, b, s) d, r, b, s, t, k::boolean
		   from unnest($1::text[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::text[], $6::bigint[]) as x(d, r, s, t, k, b)
		 on conflict (device_id, boot, seq) do nothing
		 returning device_id, boot, seq`,
		[
			rows.map((r) => r.deviceId),
			rows.map((r) => r.rwId),
			rows.map((r) => r.seq),
			rows.map((r) => r.ts.toISOString()),
			rows.map((r) => pgBool(r.clockSkew)),
			rows.map((r) => r.boot)
		]
	);
	return new Set(inserted.map((r) => readingKey(r.device_id, r.boot, r.seq)));
}
