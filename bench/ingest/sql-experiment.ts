// `npx tsx bench/ingest/sql-experiment.ts [--rounds 12] [--sizes 250,1000,2500,5000] [--memory]`
//
// Where the full path's time goes, without touching src/: on a fresh PGlite (temp
// dir, migrated, 200 sensors) it times
//   - the real writeReadings (src/lib/server/ingest/writer.ts) per batch size, and
//     variants of the write from before the rollups moved out of it (rollups and
//     device update in the statement, RETURNING) for comparison;
//   - the raw table as migrated against its earlier foreign key and b-tree indexes;
//   - passing the eight parameter arrays alone (`select cardinality($1)`);
//   - the JavaScript part of Ingest.handle per message (validation, ACL, group
//     commit) with a database stub that answers at once.
// Variants run interleaved, one batch each per round, so that table growth and
// machine noise hit them alike; the table shows medians.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Database, Sql } from '../../src/lib/server/db';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { sensorLevelSchema } from '../../src/lib/server/ingest/schemas';
import { batchTime } from '../../src/lib/server/ingest/rollups';
import { writeReadings, type ReadingRow } from '../../src/lib/server/ingest/writer';
import type { Principal } from '../../src/lib/server/mqtt/acl';
import { topics } from '../../src/lib/server/mqtt/topics';
import { formatTable, round } from './stats';
import { benchDatabase, RW_CODE } from './database';

const { values } = parseArgs({
	options: {
		rounds: { type: 'string', default: '12' },
		sizes: { type: 'string', default: '250,1000,2500,5000' },
		devices: { type: 'string', default: '200' },
		memory: { type: 'boolean', default: false }
	}
});
const ROUNDS = Number(values.rounds);
const SIZES = values.sizes.split(',').map(Number);
const DEVICES = Number(values.devices);

const PARAMS = `$1::text[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::real[], $6::real[], $7::real[], $8::bool[]`;
const INPUT = `input as (select * from unnest(${PARAMS}) as t(device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew))`;
const INS = (returning: string) => `ins as (
   insert into reading (device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew)
   select distinct on (device_id, seq) device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew from input
   on conflict (device_id, boot, seq) do nothing
   ${returning})`;
const RETURNING = 'returning device_id, rw_id, seq, ts, level_cm, battery_v';

/** The rollup CTE of writer.ts, with the `last_cm` expression replaceable. */
const ROLLUP = (name: string, unit: 'minute' | 'hour', source = 'ins', last = '(array_agg(level_cm order by ts desc))[1]') => `
  ${name} as (
    insert into reading_${unit} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('${unit}', ts), rw_id, min(level_cm), max(level_cm), sum(level_cm), count(*),
           ${last}, max(ts)
      from ${source} where level_cm is not null group by 1, 2, 3
    on conflict (device_id, bucket) do update set
      min_cm = least(reading_${unit}.min_cm, excluded.min_cm),
      max_cm = greatest(reading_${unit}.max_cm, excluded.max_cm),
      sum_cm = reading_${unit}.sum_cm + excluded.sum_cm,
      n = reading_${unit}.n + excluded.n,
      last_cm = case when excluded.last_ts >= reading_${unit}.last_ts then excluded.last_cm else reading_${unit}.last_cm end,
      last_ts = greatest(reading_${unit}.last_ts, excluded.last_ts)
    returning 1
  )`;
const SEEN = `seen as (
   update device d set last_seen_at = greatest(coalesce(d.last_seen_at, s.ts), s.ts),
          battery_v = coalesce(s.battery_v, d.battery_v), status = 'online'
     from (select distinct on (device_id) device_id, ts, battery_v from ins order by device_id, ts desc) s
    where d.id = s.device_id
   returning 1
 )`;
/** Hour rollup fed from the minute rollup's result rows (~devices rows) instead of the raw rows. */
const HOUR_FROM_MINUTES = `h as (
    insert into reading_hour (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('hour', bucket), rw_id, min(min_cm), max(max_cm), sum(sum_cm), sum(n)::int,
           (array_agg(last_cm order by last_ts desc))[1], max(last_ts)
      from mx group by 1, 2, 3
    on conflict (device_id, bucket) do update set
      min_cm = least(reading_hour.min_cm, excluded.min_cm),
      max_cm = greatest(reading_hour.max_cm, excluded.max_cm),
      sum_cm = reading_hour.sum_cm + excluded.sum_cm,
      n = reading_hour.n + excluded.n,
      last_cm = case when excluded.last_ts >= reading_hour.last_ts then excluded.last_cm else reading_hour.last_cm end,
      last_ts = greatest(reading_hour.last_ts, excluded.last_ts)
    returning 1
  )`;
/** Per-batch aggregate by (device, minute) computed once, feeding both rollups. */
const AGG = `agg as (
    select device_id, date_trunc('minute', ts) as bucket, rw_id, min(level_cm) as min_cm, max(level_cm) as max_cm,
           sum(level_cm) as sum_cm, count(*)::int as n, (array_agg(level_cm order by ts desc))[1] as last_cm, max(ts) as last_ts
      from ins where level_cm is not null group by 1, 2, 3
  ),
  m as (
    insert into reading_minute (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts from agg
    on conflict (device_id, bucket) do update set
      min_cm = least(reading_minute.min_cm, excluded.min_cm),
      max_cm = greatest(reading_minute.max_cm, excluded.max_cm),
      sum_cm = reading_minute.sum_cm + excluded.sum_cm,
      n = reading_minute.n + excluded.n,
      last_cm = case when excluded.last_ts >= reading_minute.last_ts then excluded.last_cm else reading_minute.last_cm end,
      last_ts = greatest(reading_minute.last_ts, excluded.last_ts)
    returning 1
  ),
  h as (
    insert into reading_hour (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('hour', bucket), rw_id, min(min_cm), max(max_cm), sum(sum_cm), sum(n)::int,
           (array_agg(last_cm order by last_ts desc))[1], max(last_ts)
      from agg group by 1, 2, 3
    on conflict (device_id, bucket) do update set
      min_cm = least(reading_hour.min_cm, excluded.min_cm),
      max_cm = greatest(reading_hour.max_cm, excluded.max_cm),
      sum_cm = reading_hour.sum_cm + excluded.sum_cm,
      n = reading_hour.n + excluded.n,
      last_cm = case when excluded.last_ts >= reading_hour.last_ts then excluded.last_cm else reading_hour.last_cm end,
      last_ts = greatest(reading_hour.last_ts, excluded.last_ts)
    returning 1
  )`;

interface Variant {
	name: string;
	run(db: Sql, rows: ReadingRow[]): Promise<unknown>;
}

const params = (rows: ReadingRow[]) => [
	rows.map((r) => r.deviceId),
	rows.map((r) => r.rwId),
	rows.map((r) => r.seq),
	rows.map((r) => r.ts.toISOString()),
	rows.map((r) => r.levelCm),
	rows.map((r) => r.distanceCm),
	rows.map((r) => r.batteryV),
	rows.map((r) => r.clockSkew)
];
const sqlVariant = (name: string, sql: string): Variant => ({ name, run: (db, rows) => db.query(sql, params(rows)) });

/** The batch as one JSON text parameter instead of eight arrays. */
const JSON_INPUT = `input as (select * from json_to_recordset($1::json)
     as t(device_id text, rw_id uuid, seq bigint, ts timestamptz, level_cm real, distance_cm real, battery_v real, clock_skew bool))`;
const jsonParam = (rows: ReadingRow[]) => [
	JSON.stringify(
		rows.map((r) => ({
			device_id: r.deviceId,
			rw_id: r.rwId,
			seq: r.seq,
			ts: r.ts.toISOString(),
			level_cm: r.levelCm,
			distance_cm: r.distanceCm,
			battery_v: r.batteryV,
			clock_skew: r.clockSkew
		}))
	)
];
const jsonVariant = (name: string, sql: string): Variant => ({ name, run: (db, rows) => db.query(sql, jsonParam(rows)) });

const VARIANTS: Variant[] = [
	{ name: 'writeReadings (src, as shipped)', run: (db, rows) => writeReadings(db, rows, batchTime()) },
	sqlVariant('params only: select cardinality($1)', `select cardinality($1::text[]) as n, cardinality($8::bool[]) as k from (select ${PARAMS}) x`),
	sqlVariant('insert only, no RETURNING', `with ${INPUT}, ${INS('')} select 1`),
	sqlVariant(
		'plain insert (no DISTINCT ON, no ON CONFLICT)',
		`insert into reading (device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew) select * from unnest(${PARAMS})`
	),
	sqlVariant('insert only, RETURNING (device, seq) to JS', `with ${INPUT}, ${INS('returning device_id, seq')} select device_id, seq from ins`),
	sqlVariant('insert + minute rollup', `with ${INPUT}, ${INS(RETURNING)}, ${ROLLUP('m', 'minute')} select device_id, seq from ins`),
	sqlVariant('insert + minute + hour rollups', `with ${INPUT}, ${INS(RETURNING)}, ${ROLLUP('m', 'minute')}, ${ROLLUP('h', 'hour')} select device_id, seq from ins`),
	sqlVariant('insert + device update', `with ${INPUT}, ${INS(RETURNING)}, ${SEEN} select device_id, seq from ins`),
	sqlVariant(
		'old in-statement rollups, hour fed from minute rows',
		`with ${INPUT}, ${INS(RETURNING)}, ${ROLLUP('mx', 'minute').replace('returning 1', 'returning device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts')}, ${HOUR_FROM_MINUTES}, ${SEEN} select device_id, seq from ins`
	),
	sqlVariant('old in-statement rollups, one shared (device, minute) aggregate', `with ${INPUT}, ${INS(RETURNING)}, ${AGG}, ${SEEN} select device_id, seq from ins`),
	jsonVariant('json param only: json_to_recordset count', `with ${JSON_INPUT} select count(*) from input`),
	jsonVariant('json param: insert only, no RETURNING', `with ${JSON_INPUT}, ${INS('')} select 1`),
	jsonVariant(
		'json param: old in-statement rollups otherwise',
		`with ${JSON_INPUT}, ${INS(RETURNING)}, ${ROLLUP('m', 'minute')}, ${ROLLUP('h', 'hour')}, ${SEEN} select device_id, seq from ins`
	)
];

/**
 * A leaner statement, same effect as writeReadings for a single-RW batch: rw_id as one
 * scalar, ts as epoch milliseconds (bigint), and only the duplicates (normally none)
 * returned instead of every inserted (device, seq).
 */
const LEAN_INPUT = `input as (
   select d as device_id, $2::uuid as rw_id, s as seq, to_timestamp(t / 1000.0) as ts, l as level_cm, x as distance_cm, b as battery_v, k as clock_skew
     from unnest($1::text[], $3::bigint[], $4::bigint[], $5::real[], $6::real[], $7::real[], $8::bool[]) as u(d, s, t, l, x, b, k))`;
const leanParams = (rows: ReadingRow[]) => [
	rows.map((r) => r.deviceId),
	rows[0]!.rwId,
	rows.map((r) => r.seq),
	rows.map((r) => r.ts.getTime()),
	rows.map((r) => r.levelCm),
	rows.map((r) => r.distanceCm),
	rows.map((r) => r.batteryV),
	rows.map((r) => r.clockSkew)
];
const LEAN_DUPLICATES = `select device_id, seq from input except all select device_id, seq from ins`;
VARIANTS.push(
	{
		name: 'lean params, insert only, duplicates returned',
		run: (db, rows) => db.query(`with ${LEAN_INPUT}, ${INS('returning device_id, seq')} ${LEAN_DUPLICATES}`, leanParams(rows))
	},
	{
		name: 'lean params, old in-statement rollups, duplicates returned',
		run: (db, rows) =>
			db.query(`with ${LEAN_INPUT}, ${INS(RETURNING)}, ${ROLLUP('m', 'minute')}, ${ROLLUP('h', 'hour')}, ${SEEN} ${LEAN_DUPLICATES}`, leanParams(rows))
	}
);

/**
 * Design alternative: raw readings stored as one row per device and batch (arrays),
 * in a table made for this experiment only (reading_chunk, created below). The same
 * rollups and device update; dedupe would move to a per-device seq high-water mark.
 */
const CHUNK_DDL = `create table if not exists reading_chunk (
  device_id text not null, first_seq bigint not null, rw_id uuid not null, first_ts timestamptz not null,
  seq bigint[] not null, ts timestamptz[] not null, level_cm real[] not null, distance_cm real[] not null, battery_v real[] not null,
  primary key (device_id, first_seq))`;
VARIANTS.push({
	name: 'chunk rows (one per device/batch) + rollups + device update',
	run: (db, rows) =>
		db.query(
			`with ${INPUT},
			 ins as (select * from input),
			 c as (
			   insert into reading_chunk (device_id, first_seq, rw_id, first_ts, seq, ts, level_cm, distance_cm, battery_v)
			   select device_id, min(seq), min(rw_id::text)::uuid, min(ts), array_agg(seq order by seq), array_agg(ts order by seq),
			          array_agg(level_cm order by seq), array_agg(distance_cm order by seq), array_agg(battery_v order by seq)
			     from input group by device_id
			   returning 1),
			 ${ROLLUP('m', 'minute')}, ${ROLLUP('h', 'hour')}, ${SEEN}
			 select count(*) from c`,
			params(rows)
		)
});

/** Parameter cost by array type: one array of `size` values, counted. */
async function paramTypes(db: Sql, rows: ReadingRow[]) {
	const cases: [string, string, unknown[]][] = [
		['text[] (device_id)', 'select cardinality($1::text[])', [rows.map((r) => r.deviceId)]],
		['uuid[] (rw_id)', 'select cardinality($1::uuid[])', [rows.map((r) => r.rwId)]],
		['bigint[] (seq)', 'select cardinality($1::bigint[])', [rows.map((r) => r.seq)]],
		['timestamptz[] (ts, ISO text)', 'select cardinality($1::timestamptz[])', [rows.map((r) => r.ts.toISOString())]],
		['float8[] (ts as epoch ms)', 'select cardinality($1::float8[])', [rows.map((r) => r.ts.getTime())]],
		['real[] (level_cm)', 'select cardinality($1::real[])', [rows.map((r) => r.levelCm)]],
		['bool[] (clock_skew)', 'select cardinality($1::bool[])', [rows.map((r) => r.clockSkew)]],
		['json text (whole batch)', 'select length($1::text)', jsonParam(rows)]
	];
	const out: (string | number | null)[][] = [];
	for (const [name, sql, p] of cases) {
		await db.query(sql, p);
		const times: number[] = [];
		for (let r = 0; r < ROUNDS; r++) {
			const t0 = performance.now();
			await db.query(sql, p);
			times.push(performance.now() - t0);
		}
		const m = median(times);
		out.push([name, round(m, 2), round((m / rows.length) * 1000, 2)]);
	}
	console.log(`\nparameter cost by type, ${rows.length} values (median of ${ROUNDS})`);
	console.log(formatTable(['parameter', 'ms', 'µs / value'], out));
}

let seq = 1_000_000;
function makeBatch(size: number, rwId: string, ids: string[]): ReadingRow[] {
	const now = Date.now();
	return Array.from({ length: size }, (_, i) => {
		const distance = 150 + ((seq + i) % 50) + 0.5;
		return {
			deviceId: ids[i % ids.length]!,
			rwId,
			boot: 0,
			seq: seq++,
			ts: new Date(now - (size - i)),
			levelCm: 300 - distance,
			distanceCm: distance,
			batteryV: 3.9,
			clockSkew: false
		};
	});
}

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
};

async function sqlTimings() {
	const bench = await benchDatabase(DEVICES, { inMemory: values.memory });
	console.log(`\nPGlite data dir: ${values.memory ? 'memory://' : bench.dataDir}`);
	const { db, rwId, ids } = bench;
	try {
		await db.exec(CHUNK_DDL);
		// The lean statement reports duplicates and only duplicates.
		const lean = VARIANTS.find((v) => v.name.startsWith('lean params, old in-statement'))!;
		const probe = makeBatch(500, rwId, ids);
		const first = (await lean.run(db, probe)) as unknown[];
		const again = (await lean.run(db, probe)) as unknown[];
		if (first.length !== 0 || again.length !== probe.length) throw new Error(`lean variant: ${first.length} / ${again.length} duplicates`);
		// Warm-up: plans, caches, a first 20,000 rows in the table.
		for (let i = 0; i < 4; i++) for (const v of VARIANTS) await v.run(db, makeBatch(1000, rwId, ids));
		const results: (string | number | null)[][] = [];
		for (const size of SIZES) {
			const times = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
			for (let r = 0; r < ROUNDS; r++) {
				for (const v of VARIANTS) {
					const batch = makeBatch(size, rwId, ids);
					const t0 = performance.now();
					await v.run(db, batch);
					times.get(v.name)!.push(performance.now() - t0);
				}
			}
			for (const v of VARIANTS) {
				const m = median(times.get(v.name)!);
				results.push([size, v.name, round(m, 2), round((m / size) * 1000, 1)]);
			}
		}
		await paramTypes(db, makeBatch(2500, rwId, ids));
		const [{ n }] = (await db.query<{ n: string }>('select count(*) as n from reading')) as [{ n: string }];
		console.log(`\nSQL per batch (${DEVICES} devices, median of ${ROUNDS} interleaved rounds; reading has ${n} rows at the end)`);
		console.log(formatTable(['rows', 'variant', 'ms / batch', 'µs / row'], results));

		// The floor for one row per reading: COPY (CSV from a blob) straight into reading,
		// no conflict handling (dedupe would have to happen before), no rollups.
		const copyTimes: number[] = [];
		for (let r = 0; r < ROUNDS; r++) {
			const batch = makeBatch(2500, rwId, ids);
			const t0 = performance.now();
			const csv = batch
				.map((b) => `${b.deviceId},${b.rwId},${b.seq},${b.ts.toISOString()},${b.levelCm},${b.distanceCm},${b.batteryV},${b.clockSkew ? 't' : 'f'}`)
				.join('\n');
			await bench.pg!.query(
				`copy reading (device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew) from '/dev/blob' with (format csv)`,
				[],
				{ blob: new Blob([csv]) }
			);
			copyTimes.push(performance.now() - t0);
		}
		console.log(`\nCOPY … FROM '/dev/blob' (CSV) into reading, 2,500 rows: ${median(copyTimes).toFixed(2)} ms (${((median(copyTimes) / 2500) * 1000).toFixed(1)} µs / row)`);
	} finally {
		await bench.dispose();
	}
}

/** Index choices on reading: one fresh database per schema, rounds interleaved across them. */
async function indexTimings() {
	const cases: [string, string][] = [
		['as migrated (PK + BRIN on ts)', ''],
		[
			'as before 20261130000200 (foreign key, b-trees on ts and device_id, ts)',
			'drop index reading_ts_brin; create index reading_ts_idx on reading (ts); create index reading_device_ts_idx on reading (device_id, ts desc); ' +
				'alter table reading add foreign key (device_id) references device(id) on delete cascade;'
		],
		['PK only', 'drop index reading_ts_brin;']
	];
	const dbs = [];
	try {
		for (const [name, ddl] of cases) {
			const b = await benchDatabase(DEVICES, { inMemory: values.memory });
			dbs.push({ name, b, insert: [] as number[], shipped: [] as number[] });
			if (ddl) await b.db.exec(ddl);
			for (let i = 0; i < 4; i++) await writeReadings(b.db, makeBatch(2500, b.rwId, b.ids), batchTime());
		}
		const insertOnly = VARIANTS.find((v) => v.name === 'insert only, no RETURNING')!;
		for (let r = 0; r < ROUNDS; r++) {
			for (const d of dbs) {
				let batch = makeBatch(2500, d.b.rwId, d.b.ids);
				let t0 = performance.now();
				await insertOnly.run(d.b.db, batch);
				d.insert.push(performance.now() - t0);
				batch = makeBatch(2500, d.b.rwId, d.b.ids);
				t0 = performance.now();
				await writeReadings(d.b.db, batch, batchTime());
				d.shipped.push(performance.now() - t0);
			}
		}
		console.log(`\nindexes on reading, 2,500-row batches, one database per schema (median of ${ROUNDS} interleaved rounds)`);
		console.log(
			formatTable(
				['schema', 'insert only µs / row', 'writeReadings µs / row'],
				dbs.map((d) => [d.name, round((median(d.insert) / 2500) * 1000, 1), round((median(d.shipped) / 2500) * 1000, 1)])
			)
		);
	} finally {
		for (const d of dbs) await d.b.dispose();
	}
}


/** Ingest.handle per message with the database answering at once: the JavaScript cost. */
async function jsTimings() {
	const rwId = '00000000-0000-4000-8000-000000000001';
	const deviceId = 'bench-s-0001';
	const stub: Database = {
		kind: 'pglite',
		async query<T>(text: string, p: unknown[] = []): Promise<T[]> {
			if (text.includes('insert into reading (')) {
				const ids = p[0] as string[];
				const seqs = p[2] as number[];
				return ids.map((d, i) => ({ device_id: d, seq: seqs[i] })) as T[];
			}
			if (text.includes('from device d join rw')) {
				return [{ id: deviceId, rw_id: rwId, code: RW_CODE, kind: 'sensor', mounting_height_cm: 300, disabled_at: null }] as T[];
			}
			return [];
		},
		exec: async () => {},
		transaction: async (fn) => fn(stub),
		batch: async () => [],
		ping: async () => true,
		close: async () => {}
	};
	const ingest = new Ingest(stub);
	const principal: Principal = { kind: 'device', deviceId, deviceKind: 'sensor', rwCode: RW_CODE, rwId };
	const topic = topics.sensorLevel(RW_CODE, deviceId);
	const N = 200_000;
	const ts = new Date().toISOString();
	const payloads = Array.from({ length: N }, (_, i) => Buffer.from(`{"distance_cm":187.${i % 10},"ts":"${ts}","bat":3.9,"seq":${100_000_000_000 + i}}`));
	// Warm-up, then the measured run, in windows of 2,000 concurrent messages like the broker's.
	const run = async (from: number, to: number) => {
		for (let i = from; i < to; i += 2000) {
			const slice = payloads.slice(i, Math.min(to, i + 2000));
			await Promise.all(slice.map((p) => ingest.handle(principal, topic, p)));
		}
	};
	await run(0, 20_000);
	const t0 = performance.now();
	await run(20_000, N);
	const handleUs = ((performance.now() - t0) / (N - 20_000)) * 1000;

	const json = payloads.slice(0, 100_000).map((p) => JSON.parse(p.toString('utf8')) as unknown);
	let t = performance.now();
	for (const p of payloads.slice(0, 100_000)) JSON.parse(p.toString('utf8'));
	const parseUs = ((performance.now() - t) / 100_000) * 1000;
	t = performance.now();
	for (const j of json) sensorLevelSchema.safeParse(j);
	const zodUs = ((performance.now() - t) / 100_000) * 1000;
	console.log(
		`\nJavaScript per message (database stubbed): Ingest.handle incl. group commit ${handleUs.toFixed(2)} µs; of which JSON.parse ${parseUs.toFixed(2)} µs, zod sensorLevelSchema.safeParse ${zodUs.toFixed(2)} µs`
	);
	console.log(`(ingest stats: ${ingest.readings.stats.batches} batches, ${ingest.metrics.accepted} accepted)`);
}

async function main() {
	await jsTimings();
	await sqlTimings();
	await indexTimings();
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err);
		process.exit(1);
	}
);
