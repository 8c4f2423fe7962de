// Experiment (`--writer lean|deferred`), not the shipped code: alternative reading
// writers swapped into a real Ingest (its `readings` group commit is replaced), to
// measure end to end what the SQL changes suggested by sql-experiment.ts buy.
//   lean:     one statement as writer.ts, but rw_id as one scalar per RW, ts as epoch
//             milliseconds, and only duplicates (normally none) sent back.
//   deferred: the lean raw insert only before the PUBACK; minute/hour rollups and the
//             device's last_seen/battery aggregated in memory and written once a
//             second in one statement (rebuildable from `reading` after a crash).
import type { Sql } from '../../src/lib/server/db';
import { GroupCommit } from '../../src/lib/server/ingest/group-commit';
import type { Ingest } from '../../src/lib/server/ingest/ingest';
import type { ReadingRow } from '../../src/lib/server/ingest/writer';

export type WriterKind = 'shipped' | 'lean' | 'deferred';

const LEAN_INPUT = `input as (
   select d as device_id, $2::uuid as rw_id, s as seq, to_timestamp(t / 1000.0) as ts, l as level_cm, x as distance_cm, b as battery_v, k as clock_skew
     from unnest($1::text[], $3::bigint[], $4::bigint[], $5::real[], $6::real[], $7::real[], $8::bool[]) as u(d, s, t, l, x, b, k))`;
const LEAN_INS = `ins as (
   insert into reading (device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew)
   select distinct on (device_id, seq) device_id, rw_id, seq, ts, level_cm, distance_cm, battery_v, clock_skew from input
   on conflict (device_id, boot, seq) do nothing
   returning device_id, rw_id, seq, ts, level_cm, battery_v)`;
const DUPLICATES = `select device_id, seq from input except all select device_id, seq from ins`;

const ROLLUP_SET = (table: string) => `
      min_cm = least(${table}.min_cm, excluded.min_cm),
      max_cm = greatest(${table}.max_cm, excluded.max_cm),
      sum_cm = ${table}.sum_cm + excluded.sum_cm,
      n = ${table}.n + excluded.n,
      last_cm = case when excluded.last_ts >= ${table}.last_ts then excluded.last_cm else ${table}.last_cm end,
      last_ts = greatest(${table}.last_ts, excluded.last_ts)`;
const ROLLUP_FROM_INS = (name: string, unit: 'minute' | 'hour') => `
  ${name} as (
    insert into reading_${unit} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('${unit}', ts), rw_id, min(level_cm), max(level_cm), sum(level_cm), count(*),
           (array_agg(level_cm order by ts desc))[1], max(ts)
      from ins where level_cm is not null group by 1, 2, 3
    on conflict (device_id, bucket) do update set ${ROLLUP_SET(`reading_${unit}`)}
    returning 1)`;
const SEEN_FROM_INS = `seen as (
   update device d set last_seen_at = greatest(coalesce(d.last_seen_at, s.ts), s.ts),
          battery_v = coalesce(s.battery_v, d.battery_v), status = 'online'
     from (select distinct on (device_id) device_id, ts, battery_v from ins order by device_id, ts desc) s
    where d.id = s.device_id
   returning 1)`;

const key = (deviceId: string, seq: number | string) => `${deviceId}:${seq}`;

/** One statement per RW in the batch (normally one); the set of (device, seq) already stored. */
async function leanInsert(db: Sql, rows: ReadingRow[], withRollups: boolean): Promise<Set<string>> {
	const byRw = new Map<string, ReadingRow[]>();
	for (const r of rows) {
		const list = byRw.get(r.rwId);
		if (list) list.push(r);
		else byRw.set(r.rwId, [r]);
	}
	const duplicates = new Set<string>();
	for (const [rwId, list] of byRw) {
		const sql = withRollups
			? `with ${LEAN_INPUT}, ${LEAN_INS}, ${ROLLUP_FROM_INS('m', 'minute')}, ${ROLLUP_FROM_INS('h', 'hour')}, ${SEEN_FROM_INS} ${DUPLICATES}`
			: `with ${LEAN_INPUT}, ${LEAN_INS} ${DUPLICATES}`;
		const dup = await db.query<{ device_id: string; seq: string | number }>(sql, [
			list.map((r) => r.deviceId),
			rwId,
			list.map((r) => r.seq),
			list.map((r) => r.ts.getTime()),
			list.map((r) => r.levelCm),
			list.map((r) => r.distanceCm),
			list.map((r) => r.batteryV),
			list.map((r) => (r.clockSkew ? 't' : 'f'))
		]);
		for (const d of dup) duplicates.add(key(d.device_id, d.seq));
	}
	return duplicates;
}

interface Agg {
	deviceId: string;
	rwId: string;
	bucket: number;
	min: number;
	max: number;
	sum: number;
	n: number;
	last: number;
	lastTs: number;
}

/** Rollups and device last-seen accumulated in memory, written in one statement per flush. */
class DeferredRollups {
	private minutes = new Map<string, Agg>();
	private seen = new Map<string, { ts: number; battery: number | null }>();
	private timer: NodeJS.Timeout;
	private flushing: Promise<void> = Promise.resolve();
	private failure: unknown = null;
	flushes = 0;

	constructor(
		private readonly db: Sql,
		intervalMs: number
	) {
		// A failure is kept and thrown by the next flush() the benchmark awaits.
		this.timer = setInterval(() => {
			this.flush().catch(() => {});
		}, intervalMs);
	}

	add(r: ReadingRow): void {
		const ts = r.ts.getTime();
		const s = this.seen.get(r.deviceId);
		if (!s || ts >= s.ts) this.seen.set(r.deviceId, { ts, battery: r.batteryV ?? s?.battery ?? null });
		if (r.levelCm === null) return;
		const bucket = ts - (ts % 60_000);
		const k = `${r.deviceId}\u0000${bucket}`;
		const a = this.minutes.get(k);
		if (!a) {
			this.minutes.set(k, { deviceId: r.deviceId, rwId: r.rwId, bucket, min: r.levelCm, max: r.levelCm, sum: r.levelCm, n: 1, last: r.levelCm, lastTs: ts });
			return;
		}
		a.min = Math.min(a.min, r.levelCm);
		a.max = Math.max(a.max, r.levelCm);
		a.sum += r.levelCm;
		a.n++;
		if (ts >= a.lastTs) {
			a.last = r.levelCm;
			a.lastTs = ts;
		}
	}

	flush(): Promise<void> {
		this.flushing = this.flushing
			.then(() => this.write())
			.catch((err: unknown) => {
				this.failure ??= err;
			});
		return this.flushing.then(() => {
			if (this.failure) throw this.failure;
		});
	}

	private async write(): Promise<void> {
		if (this.minutes.size === 0 && this.seen.size === 0) return;
		const minutes = [...this.minutes.values()];
		const seen = [...this.seen.entries()];
		this.minutes = new Map();
		this.seen = new Map();
		const hours = new Map<string, Agg>();
		for (const m of minutes) {
			const bucket = m.bucket - (m.bucket % 3_600_000);
			const k = `${m.deviceId}\u0000${bucket}`;
			const h = hours.get(k);
			if (!h) hours.set(k, { ...m, bucket });
			else {
				h.min = Math.min(h.min, m.min);
				h.max = Math.max(h.max, m.max);
				h.sum += m.sum;
				h.n += m.n;
				if (m.lastTs >= h.lastTs) {
					h.last = m.last;
					h.lastTs = m.lastTs;
				}
			}
		}
		const cols = (aggs: Agg[]) => [
			aggs.map((a) => a.deviceId),
			aggs.map((a) => a.rwId),
			aggs.map((a) => a.bucket),
			aggs.map((a) => a.min),
			aggs.map((a) => a.max),
			aggs.map((a) => a.sum),
			aggs.map((a) => a.n),
			aggs.map((a) => a.last),
			aggs.map((a) => a.lastTs)
		];
		const upsert = (name: string, table: string, first: number) => {
			const p = (i: number) => `$${first + i}`;
			return `${name} as (
			   insert into ${table} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
			   select d, to_timestamp(b / 1000.0), r, mn, mx, sm, n, l, to_timestamp(lt / 1000.0)
			     from unnest(${p(0)}::text[], ${p(1)}::uuid[], ${p(2)}::bigint[], ${p(3)}::real[], ${p(4)}::real[], ${p(5)}::float8[], ${p(6)}::int[], ${p(7)}::real[], ${p(8)}::bigint[])
			       as u(d, r, b, mn, mx, sm, n, l, lt)
			   on conflict (device_id, bucket) do update set ${ROLLUP_SET(table)}
			   returning 1)`;
		};
		await this.db.query(
			`with ${upsert('m', 'reading_minute', 1)}, ${upsert('h', 'reading_hour', 10)},
			 seen as (
			   update device d set last_seen_at = greatest(coalesce(d.last_seen_at, to_timestamp(s.t / 1000.0)), to_timestamp(s.t / 1000.0)),
			          battery_v = coalesce(s.b, d.battery_v), status = 'online'
			     from unnest($19::text[], $20::bigint[], $21::real[]) as s(id, t, b)
			    where d.id = s.id
			   returning 1)
			 select 1`,
			[...cols(minutes), ...cols([...hours.values()]), seen.map(([id]) => id), seen.map(([, s]) => s.ts), seen.map(([, s]) => s.battery)]
		);
		this.flushes++;
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.flush();
	}
}

export interface InstalledWriter {
	/** Writes everything accepted so far, rollups included; the periodic flush goes on. */
	flush(): Promise<void>;
	/** Flushes and stops the periodic flush. */
	close(): Promise<void>;
}

/** Replaces ingest.readings with a group commit using the chosen writer. */
export function installWriter(ingest: Ingest, db: Sql, kind: WriterKind): InstalledWriter {
	if (kind === 'shipped') return { flush: () => ingest.flush(), close: () => ingest.flush() };
	const deferred = kind === 'deferred' ? new DeferredRollups(db, 1000) : null;
	const readings = new GroupCommit<ReadingRow, boolean>(async (batch) => {
		const duplicates = await leanInsert(db, batch, deferred === null);
		return batch.map((r) => {
			const fresh = !duplicates.has(key(r.deviceId, r.seq));
			if (fresh) deferred?.add(r);
			return fresh;
		});
	});
	(ingest as unknown as { readings: GroupCommit<ReadingRow, boolean> }).readings = readings;
	return {
		async flush() {
			await ingest.flush();
			await deferred?.flush();
		},
		async close() {
			await ingest.flush();
			await deferred?.close();
		}
	};
}
