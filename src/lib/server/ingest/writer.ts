import type { Sql } from '../db';

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

const ROLLUP = (table: string, unit: 'minute' | 'hour') => `
  ${table} as (
    insert into reading_${unit} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('${unit}', ts), rw_id, min(level_cm), max(level_cm), sum(level_cm), count(*),
           (array_agg(level_cm order by ts desc))[1], max(ts)
      from ins where level_cm is not null group by 1, 2, 3
    on conflict (device_id, bucket) do update set
      min_cm = least(reading_${unit}.min_cm, excluded.min_cm),
      max_cm = greatest(reading_${unit}.max_cm, excluded.max_cm),
      sum_cm = reading_${unit}.sum_cm + excluded.sum_cm,
      n = reading_${unit}.n + excluded.n,
      last_cm = case when excluded.last_ts >= reading_${unit}.last_ts then excluded.last_cm else reading_${unit}.last_cm end,
      last_ts = greatest(reading_${unit}.last_ts, excluded.last_ts)
    returning 1
  )`;

/**
 * One statement per batch: raw readings from unnest arrays (DESIGN.md: far faster
 * than a VALUES list with thousands of parameters), duplicates (device, boot, seq)
 * skipped, minute and hour rollups and the device's last-seen/battery updated from
 * the rows actually inserted. Returns the keys (`readingKey`) of the rows that were new.
 */
export async function writeReadings(db: Sql, rows: ReadingRow[]): Promise<Set<string>> {
	const inserted = await db.query<{ device_id: string; boot: string | number; seq: string | number }>(
		`with input as (
		   select * from unnest($1::text[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::real[], $6::real[], $7::real[], $8::bool[], $9::bigint[])
		     as t(device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew, boot)
		 ),
		 ins as (
		   insert into reading (device_id, rw_id, boot, seq, ts, level_cm, distance_cm, battery_v, clock_skew)
		   select distinct on (device_id, boot, seq) device_id, rw_id, boot, seq, ts, level_cm, distance_cm, battery_v, clock_skew from input
		   on conflict (device_id, boot, seq) do nothing
		   returning device_id, rw_id, boot, seq, ts, level_cm, battery_v
		 ),
		 ${ROLLUP('m', 'minute')},
		 ${ROLLUP('h', 'hour')},
		 seen as (
		   update device d set last_seen_at = greatest(coalesce(d.last_seen_at, s.ts), s.ts),
		          battery_v = coalesce(s.battery_v, d.battery_v), status = 'online'
		     from (select distinct on (device_id) device_id, ts, battery_v from ins order by device_id, ts desc) s
		    where d.id = s.device_id
		   returning 1
		 )
		 select device_id, boot, seq from ins`,
		[
			rows.map((r) => r.deviceId),
			rows.map((r) => r.rwId),
			rows.map((r) => r.seq),
			rows.map((r) => r.ts.toISOString()),
			rows.map((r) => r.levelCm),
			rows.map((r) => r.distanceCm),
			rows.map((r) => r.batteryV),
			rows.map((r) => pgBool(r.clockSkew)),
			rows.map((r) => r.boot)
		]
	);
	return new Set(inserted.map((r) => readingKey(r.device_id, r.boot, r.seq)));
}

/** What makes a device message unique: device, boot and seq. */
export const readingKey = (deviceId: string, boot: number | string, seq: number | string) => `${deviceId}:${boot}:${seq}`;

/** postgres.js cannot send a JS boolean[] as an array parameter; 't'/'f' text casts on both engines. */
const pgBool = (b: boolean) => (b ? 't' : 'f');

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
		 select distinct on (d, b, s) d, r, b, s, t, k
		   from unnest($1::text[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::bool[], $6::bigint[]) as x(d, r, s, t, k, b)
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
