import { createHash } from 'node:crypto';
import { isChangedSinceRead, type Database, type Statement } from '../db';
import type { ReadingRow } from './writer';

/**
 * Minute and hour rollups and each device's last-seen and battery, summed in memory
 * and written once a second, instead of inside the statement a PUBACK waits for
 * (measured with the slimmer raw table of the same migration: that statement went from
 * 36–41 to 20–22 ms per 1,000 readings, and the full path from 21–24k to 36–41k/s). Nothing is
 * lost in a crash: each raw batch leaves a `rollup_pending` row (writer.ts) that the
 * flush deletes in the transaction that adds the batch to the rollups. `recover()`
 * folds batches whose row is older than `staleSeconds` from the raw readings: those of
 * an instance that died, or that could not flush for that long.
 */
export class Rollups {
	private minutes = new Map<string, Aggregate>();
	private seen = new Map<string, Seen>();
	private spans = new Map<string, Span>();
	private batches: string[] = [];
	private chain: Promise<void> = Promise.resolve();
	private timer: NodeJS.Timeout | null = null;
	private ticks = 0;
	private inFlight = 0;
	private closed = false;
	/** PGlite: the first block range of reading_ts_brin that may not be summarised yet. */
	private summarizedFrom = 0;
	readonly stats = { flushes: 0, failures: 0, batchesDiscarded: 0, batchesRecovered: 0 };

	constructor(
		private readonly db: Database,
		private readonly options: {
			intervalMs?: number;
			staleSeconds?: number;
			log?: (message: string) => void;
			/** A message of the flush's sums holds rows of whole groups until it has this many (default FLUSH_MESSAGE_ROWS). */
			flushMessageRows?: number;
		} = {}
	) {}

	/** Stored batches whose sums are not written yet (a flush in flight included). */
	get waiting(): number {
		return this.batches.length + this.inFlight;
	}

	/** Adds the new readings of one stored batch (duplicates already left out). */
	add(batchAt: string, rows: ReadingRow[]): void {
		this.batches.push(batchAt);
		// Each device's span, last-seen and current minute, found once per device and batch
		// rather than by a built key per reading (a batch holds many readings of each device).
		const memos = new Map<string, DeviceMemo>();
		for (const r of rows) {
			const ts = r.ts.getTime();
			let memo = memos.get(r.deviceId);
			if (!memo) {
				let seen = this.seen.get(r.deviceId);
				if (!seen) this.seen.set(r.deviceId, (seen = { ts: -Infinity, battery: null }));
				memo = { seen, boot: r.boot, span: spanOf(this.spans, r, ts), bucket: NaN, agg: null };
				memos.set(r.deviceId, memo);
			} else if (memo.boot !== r.boot) {
				memo.boot = r.boot;
				memo.span = spanOf(this.spans, r, ts);
			} else addToSpan(memo.span, r, ts);
			const seen = memo.seen;
			if (ts >= seen.ts) {
				seen.ts = ts;
				seen.battery = r.batteryV ?? seen.battery;
			}
			if (r.levelCm === null) continue;
			const level = r.levelCm;
			const bucket = ts - (ts % 60_000);
			let agg = memo.bucket === bucket ? memo.agg : null;
			if (!agg) {
				const key = `${r.deviceId}\u0000${bucket}`;
				agg = this.minutes.get(key) ?? null;
				memo.bucket = bucket;
				if (!agg) {
					memo.agg = { deviceId: r.deviceId, rwId: r.rwId, bucket, min: level, max: level, sum: level, n: 1, last: level, lastTs: ts };
					this.minutes.set(key, memo.agg);
					continue;
				}
				memo.agg = agg;
			}
			// fold() for one reading, without an object per row (this runs for every reading).
			if (level < agg.min) agg.min = level;
			if (level > agg.max) agg.max = level;
			agg.sum += level;
			agg.n++;
			if (ts >= agg.lastTs) {
				agg.last = level;
				agg.lastTs = ts;
			}
		}
	}

	/** Flushes every `intervalMs` (default 1 s) and recovers stale batches every 30 s. */
	start(): void {
		if (this.timer) return;
		const interval = this.options.intervalMs ?? 1000;
		const every = Math.max(1, Math.round(30_000 / interval));
		const log = (err: unknown) => this.options.log?.(`rollups: ${String(err)}`);
		this.timer = setInterval(() => {
			const flushed = this.flush().catch(log);
			// Recovery also when the flush failed: a lone instance must not wait for itself.
			if (++this.ticks % every === 0) void flushed.then(() => this.recoverAll()).catch(log);
		}, interval);
		this.timer.unref();
	}

	/** Writes everything added so far. Flushes run one at a time, in order. */
	flush(): Promise<void> {
		return this.queue(() => this.write());
	}

	/** Runs `work` after everything queued before it (flushes and recoveries never overlap). */
	private queue<T>(work: () => Promise<T>): Promise<T> {
		const run = this.chain.then(work);
		this.chain = run.then(
			() => {},
			() => {}
		);
		return run;
	}

	/** Stops the timer and writes what is left; recoveries queued behind it are skipped. */
	async close(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.flush();
		this.closed = true;
	}

	private async write(): Promise<void> {
		if (this.batches.length === 0) return;
		const minutes = this.minutes;
		const seen = this.seen;
		const spans = this.spans;
		const batches = this.batches;
		this.minutes = new Map();
		this.seen = new Map();
		this.spans = new Map();
		this.batches = [];
		this.inFlight = batches.length;
		/** Messages of sums committed: after the first, a failure cannot put the sums back (some are in). */
		let written = 0;
		try {
			// Last-seen first, in a message of its own: it only moves a device's time
			// forward, so writing it again (after a crash, or a failed write below) changes
			// nothing, and on PGlite the sums' message holds the session a quarter less long
			// (bench/README.md, "eleventh session").
			// In messages of SEEN_MESSAGE_DEVICES devices (~4 ms of CPU each on PGlite), as it can be.
			for (const params of seenParams(seen)) await this.db.query(SEEN, params);
			// The sums in a few messages, each a transaction of its own that marks its
			// sensor groups as written for these batches; the last one deletes their pending
			// rows (migration 20261213100000). On PGlite a message holds the one session
			// while readings wait, so each is kept short (bench/README.md, "thirteenth
			// session"); none is held across round trips to this thread (docs/architecture.md,
			// "The database"). If some of these batches were recovered from the raw readings
			// meanwhile (this instance could not flush for over a minute), adding them again
			// would count them twice: the check fails (40001), that message rolls back, and
			// recover() has folded or will fold every group not marked.
			const messages = flushMessages([...minutes.values()], [...spans.values()], this.options.flushMessageRows ?? FLUSH_MESSAGE_ROWS);
			for (const [i, m] of messages.entries()) {
				const last = i === messages.length - 1;
				await this.db.batch([last ? deletePending(batches) : markGroups(batches, m.groups), aggregatesStatement(m.minutes, m.spans)]);
				written++;
			}
		} catch (err) {
			if (isChangedSinceRead(err)) {
				this.stats.batchesDiscarded += batches.length;
				this.options.log?.(`rollups: some of ${batches.length} batches were already recovered; all ${batches.length} are left to recovery`);
				return;
			}
			this.stats.failures++;
			if (written > 0) {
				// Some groups' sums are in and marked: the rest is left to recover(), which
				// folds the groups not marked from the raw readings once the batches are stale.
				this.stats.batchesDiscarded += batches.length;
				this.options.log?.(`rollups: a flush of ${batches.length} batches failed after ${written} of its messages; the rest is left to recovery`);
				throw err;
			}
			// The database is away: keep the sums for the next flush, in front of newer ones.
			this.merge(minutes, seen, spans, batches);
			throw err;
		} finally {
			this.inFlight = 0;
		}
		this.stats.flushes++;
	}

	private merge(minutes: Map<string, Aggregate>, seen: Map<string, Seen>, spans: Map<string, Span>, batches: string[]) {
		for (const [key, span] of this.spans) {
			const older = spans.get(key);
			if (older) foldSpan(older, span);
			else spans.set(key, span);
		}
		this.spans = spans;
		for (const [key, agg] of this.minutes) {
			const older = minutes.get(key);
			if (older) fold(older, agg);
			else minutes.set(key, agg);
		}
		for (const [id, s] of this.seen) {
			const older = seen.get(id);
			if (!older || s.ts >= older.ts) seen.set(id, { ts: s.ts, battery: s.battery ?? older?.battery ?? null });
		}
		this.minutes = minutes;
		this.seen = seen;
		this.batches = [...batches, ...this.batches];
	}

	/**
	 * Folds batches pending for over `staleSeconds` (default 60, on the database's
	 * clock) into the rollups from their raw readings, at most `RECOVER_BATCHES` per
	 * call, in one statement that also deletes their pending rows. Runs on the flush
	 * chain, so never beside this instance's own flush. Returns how many it folded.
	 */
	recover(): Promise<number> {
		return this.queue(() => this.foldStale());
	}

	/** `recover()` again while it comes back full, a few times at most (a backlog after a crash). */
	private async recoverAll(): Promise<void> {
		for (let round = 0; round < 10 && (await this.recover()) === RECOVER_BATCHES; round++);
	}

	/**
	 * `brin_summarize_new_values` for PGlite, one block range per statement: summarising
	 * all ranges filled in 30 s in one statement held PGlite's one session 0.5–0.9 s at
	 * 5,000 readings/s (each range of 128 pages, ~15,000 readings, costs ~5 ms), and the
	 * readings waited behind it. The last range, partly filled, is summarised too (later
	 * inserts keep its summary) and visited again next time.
	 */
	private async summarizeNewRanges(): Promise<void> {
		const [size] = await this.db.query<{ pages: number }>(`select (pg_relation_size('reading') / 8192)::int as pages`);
		const pages = size?.pages ?? 0;
		if (this.summarizedFrom > pages) this.summarizedFrom = 0;
		for (let block = this.summarizedFrom; block < pages; block += BRIN_PAGES_PER_RANGE) {
			await this.db.query(`select brin_summarize_range('reading_ts_brin', $1::bigint)`, [block]);
			this.summarizedFrom = block;
		}
	}

	private async foldStale(): Promise<number> {
		if (this.closed) return 0;
		// PGlite has no autovacuum: summarise the BRIN ranges filled since the last call,
		// or each batch's scan below reads every unsummarised range. PostgreSQL's
		// autovacuum does it there (autosummarize); calling it there would take a lock
		// that cancels or waits for a vacuum of the table.
		if (this.db.kind === 'pglite') await this.summarizeNewRanges();
		const rows = await this.db.query<{ n: number }>(
			`with claimed as (
			   delete from rollup_pending where batch_at in (
			     select batch_at from rollup_pending where created_at <= now() - make_interval(secs => $1)
			      order by created_at limit ${RECOVER_BATCHES})
			   returning batch_at, min_ts, max_ts, flushed_groups
			 ),
			 -- Each batch's rows through its own time range (a replayed batch can span
			 -- days; it should not widen the others'), then by received_at. Readings of a
			 -- device deleted meanwhile are left out (the rollups keep a foreign key).
			 fresh as (
			   select r.device_id, r.rw_id, r.ts, r.level_cm, r.battery_v, r.boot, r.seq
			     from claimed c
			     join lateral (
			       select * from reading r where r.ts between c.min_ts and c.max_ts and r.received_at = c.batch_at
			     ) r on true
			    where exists (select 1 from device d where d.id = r.device_id)
			      -- Sensor groups a split flush already wrote for this batch are in the rollups.
			      and (c.flushed_groups = 0 or c.flushed_groups & (1 << app.rollup_group(r.device_id)) = 0)
			 ),
			 ${rollupFrom('fresh', 'm', 'minute')},
			 ${rollupFrom('fresh', 'h', 'hour')},
			 spans as (
			   insert into device_seq_span (device_id, boot, rw_id, first_seq, last_seq, received, first_ts, last_ts)
			   select device_id, boot, min(rw_id::text)::uuid, min(seq), max(seq), count(*), min(ts), max(ts)
			     from fresh group by device_id, boot order by 1, 2
			   on conflict (device_id, boot) do update set ${COMBINE_SPAN}
			   returning 1
			 ),
			 seen as (
			   update device d set last_seen_at = greatest(coalesce(d.last_seen_at, s.ts), s.ts),
			          battery_v = case when s.ts >= coalesce(d.last_seen_at, s.ts) then coalesce(s.battery_v, d.battery_v) else d.battery_v end,
			          status = ${STATUS_FROM_READING}
			     from (select distinct on (device_id) device_id, ts, battery_v from fresh order by device_id, ts desc) s
			    where d.id = s.device_id
			   returning 1
			 )
			 select count(*)::int as n from claimed`,
			[this.options.staleSeconds ?? 60]
		);
		const n = rows[0]?.n ?? 0;
		this.stats.batchesRecovered += n;
		if (n > 0) this.options.log?.(`rollups: recovered ${n} batches from the raw readings`);
		return n;
	}
}

/** reading_ts_brin's pages_per_range (PostgreSQL's default; migration 20261130000200). */
const BRIN_PAGES_PER_RANGE = 128;

/**
 * Rows (minute sums, hour sums and seq spans together) that one message of the flush
 * gathers whole sensor groups up to: at 200 sensors reporting, ~150 rows are ~7 ms of
 * the database's CPU on PGlite (the whole flush in one message was ~25 ms).
 */
export const FLUSH_MESSAGE_ROWS = 150;

/** The sensor groups of migration 20261213100000 (app.rollup_group). */
const GROUPS = 8;
const groupOf = new Map<string, number>();

/** A sensor's group, 0..7, as app.rollup_group computes it: the low three bits of the first 32 bits of the md5 of its id. */
export function rollupGroup(deviceId: string): number {
	let g = groupOf.get(deviceId);
	if (g === undefined) {
		g = parseInt(createHash('md5').update(deviceId).digest('hex').slice(0, 8), 16) & (GROUPS - 1);
		if (groupOf.size > 100_000) groupOf.clear();
		groupOf.set(deviceId, g);
	}
	return g;
}

interface FlushMessage {
	/** Bit mask of the sensor groups whose sums it holds. */
	groups: number;
	minutes: Aggregate[];
	spans: Span[];
}

/** The flush's sums cut into messages of whole sensor groups, each of at least `rows` rows (hour sums counted as many as minute sums) but the last. */
function flushMessages(minutes: Aggregate[], spans: Span[], rows: number): FlushMessage[] {
	const byGroup = Array.from({ length: GROUPS }, () => ({ minutes: [] as Aggregate[], spans: [] as Span[] }));
	for (const m of minutes) byGroup[rollupGroup(m.deviceId)]!.minutes.push(m);
	for (const x of spans) byGroup[rollupGroup(x.deviceId)]!.spans.push(x);
	const out: FlushMessage[] = [];
	let current: FlushMessage = { groups: 0, minutes: [], spans: [] };
	let size = 0;
	for (const [g, part] of byGroup.entries()) {
		if (part.minutes.length + part.spans.length === 0) continue;
		current.groups |= 1 << g;
		current.minutes.push(...part.minutes);
		current.spans.push(...part.spans);
		size += 2 * part.minutes.length + part.spans.length;
		if (size >= rows) {
			out.push(current);
			current = { groups: 0, minutes: [], spans: [] };
			size = 0;
		}
	}
	if (current.groups !== 0 || out.length === 0) out.push(current);
	return out;
}

/** Deletes the batches' pending rows; fails (40001) unless all are still there. */
const deletePending = (batches: string[]): Statement => ({
	text: `with deleted as (delete from rollup_pending where batch_at = any ($1::text[]::timestamptz[]) returning 1)
	       select app.expect_unchanged(count(*) = $2, 'rollup_pending') from deleted`,
	params: [batches, batches.length]
});

/** Marks the sensor groups `groups` as written for the batches; fails (40001) unless all are still pending. */
const markGroups = (batches: string[], groups: number): Statement => ({
	text: `with marked as (update rollup_pending set flushed_groups = flushed_groups | $3 where batch_at = any ($1::text[]::timestamptz[]) returning 1)
	       select app.expect_unchanged(count(*) = $2, 'rollup_pending') from marked`,
	params: [batches, batches.length, groups]
});

/** Batches one recover() call folds at most (the rest on the next call, 30 s later). */
const RECOVER_BATCHES = 200;

/**
 * A reading marks a device online only when no status message ever came: the retained
 * LWT topic (`online`/`offline`) owns the status, and a sum written a second late must
 * not turn a device that has since gone offline back online.
 */
const STATUS_FROM_READING = `case when d.status = 'unknown' then 'online' else d.status end`;

interface Sums {
	min: number;
	max: number;
	sum: number;
	n: number;
	last: number;
	lastTs: number;
}

interface Aggregate extends Sums {
	deviceId: string;
	rwId: string;
	/** Start of the bucket, epoch milliseconds. */
	bucket: number;
}

interface Seen {
	ts: number;
	battery: number | null;
}

/** One device's stored seq range and count for one boot, in one flush (device_seq_span). */
interface Span {
	deviceId: string;
	rwId: string;
	boot: number;
	firstSeq: number;
	lastSeq: number;
	received: number;
	firstTs: number;
	lastTs: number;
}

/** The device's span for the reading's boot, the reading added to it (a new span when there is none). */
function spanOf(spans: Map<string, Span>, r: ReadingRow, ts: number): Span {
	const key = `${r.deviceId}\u0000${r.boot}`;
	let span = spans.get(key);
	if (!span) spans.set(key, (span = { deviceId: r.deviceId, rwId: r.rwId, boot: r.boot, firstSeq: r.seq, lastSeq: r.seq, received: 1, firstTs: ts, lastTs: ts }));
	else addToSpan(span, r, ts);
	return span;
}

function addToSpan(span: Span, r: ReadingRow, ts: number): void {
	if (r.seq < span.firstSeq) span.firstSeq = r.seq;
	if (r.seq > span.lastSeq) span.lastSeq = r.seq;
	span.received++;
	if (ts < span.firstTs) span.firstTs = ts;
	if (ts > span.lastTs) span.lastTs = ts;
}

/** What `Rollups.add` found for a device in the batch at hand. */
interface DeviceMemo {
	seen: Seen;
	boot: number;
	span: Span;
	/** The minute of `agg` (NaN: none yet). */
	bucket: number;
	agg: Aggregate | null;
}

function foldSpan(into: Span, more: Span): void {
	into.firstSeq = Math.min(into.firstSeq, more.firstSeq);
	into.lastSeq = Math.max(into.lastSeq, more.lastSeq);
	into.received += more.received;
	into.firstTs = Math.min(into.firstTs, more.firstTs);
	into.lastTs = Math.max(into.lastTs, more.lastTs);
}

/** `ON CONFLICT` of a device_seq_span row: the stored range and count widened by the new ones. */
const COMBINE_SPAN = `
      first_seq = least(device_seq_span.first_seq, excluded.first_seq),
      last_seq = greatest(device_seq_span.last_seq, excluded.last_seq),
      received = device_seq_span.received + excluded.received,
      first_ts = least(device_seq_span.first_ts, excluded.first_ts),
      last_ts = greatest(device_seq_span.last_ts, excluded.last_ts)`;

function fold(into: Sums, more: Sums): void {
	into.min = Math.min(into.min, more.min);
	into.max = Math.max(into.max, more.max);
	into.sum += more.sum;
	into.n += more.n;
	if (more.lastTs >= into.lastTs) {
		into.last = more.last;
		into.lastTs = more.lastTs;
	}
}

/** `ON CONFLICT` of a rollup row: the stored sums and the new ones combined. */
const COMBINE = (table: string) => `
      min_cm = least(${table}.min_cm, excluded.min_cm),
      max_cm = greatest(${table}.max_cm, excluded.max_cm),
      sum_cm = ${table}.sum_cm + excluded.sum_cm,
      n = ${table}.n + excluded.n,
      last_cm = case when excluded.last_ts >= ${table}.last_ts then excluded.last_cm else ${table}.last_cm end,
      last_ts = greatest(${table}.last_ts, excluded.last_ts)`;

/** A CTE adding raw readings (`source`: device_id, rw_id, ts, level_cm) to a rollup. */
const rollupFrom = (source: string, name: string, unit: 'minute' | 'hour') => `
  ${name} as (
    insert into reading_${unit} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
    select device_id, date_trunc('${unit}', ts, 'UTC'), rw_id, min(level_cm), max(level_cm), sum(level_cm), count(*),
           (array_agg(level_cm order by ts desc))[1], max(ts)
      from ${source} where level_cm is not null group by 1, 2, 3 order by 1, 2
    on conflict (device_id, bucket) do update set ${COMBINE(`reading_${unit}`)}
    returning 1
  )`;

/** A CTE adding summed buckets, sent as arrays from parameter `first` on. */
const upsertSums = (name: string, table: string, first: number) => {
	const p = (i: number) => `$${first + i}`;
	return `${name} as (
	   insert into ${table} (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
	   select d, to_timestamp(b / 1000.0), r, mn, mx, sm, n, l, to_timestamp(lt / 1000.0)
	     from unnest(${p(0)}::text[], ${p(1)}::uuid[], ${p(2)}::bigint[], ${p(3)}::real[], ${p(4)}::real[], ${p(5)}::float8[], ${p(6)}::int[], ${p(7)}::real[], ${p(8)}::bigint[])
	       as u(d, r, b, mn, mx, sm, n, l, lt)
	    where exists (select 1 from device where device.id = u.d)
	    order by d, b
	   on conflict (device_id, bucket) do update set ${COMBINE(table)}
	   returning 1)`;
};

/** Each device's last-seen time, battery and (no status message yet) status, from $1 (ids), $2 (times, epoch ms), $3 (batteries). */
const SEEN = `update device d set last_seen_at = greatest(coalesce(d.last_seen_at, to_timestamp(s.t / 1000.0)), to_timestamp(s.t / 1000.0)),
	        battery_v = coalesce(s.b, d.battery_v), status = ${STATUS_FROM_READING}
	   from unnest($1::text[], $2::bigint[], $3::real[]) as s(id, t, b)
	  where d.id = s.id`;

/** Devices per message of `SEEN` (200 in one message were ~8 ms of PGlite's CPU). */
const SEEN_MESSAGE_DEVICES = 100;

/** `SEEN`'s parameters per message, in one order of devices (two instances lock their rows in the same order). */
function seenParams(seen: Map<string, Seen>): unknown[][] {
	const devices = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const out: unknown[][] = [];
	for (let i = 0; i < devices.length; i += SEEN_MESSAGE_DEVICES) {
		const part = devices.slice(i, i + SEEN_MESSAGE_DEVICES);
		out.push([part.map(([id]) => id), part.map(([, s]) => s.ts), part.map(([, s]) => s.battery)]);
	}
	return out;
}

/** Minute sums, the hour sums made from them and the seq spans, in one statement. */
function aggregatesStatement(minutes: Aggregate[], spans: Span[]): Statement {
	const hours = new Map<string, Aggregate>();
	for (const m of minutes) {
		const bucket = m.bucket - (m.bucket % 3_600_000);
		const key = `${m.deviceId}\u0000${bucket}`;
		const h = hours.get(key);
		if (h) fold(h, m);
		else hours.set(key, { ...m, bucket });
	}
	const columns = (aggs: Aggregate[]) => [
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
	// In one order (device, then bucket), so that two instances flushing at once lock
	// the same rows in the same order instead of deadlocking.
	const byKey = (a: Aggregate, b: Aggregate) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.bucket - b.bucket);
	minutes.sort(byKey);
	const hourList = [...hours.values()].sort(byKey);
	spans.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.boot - b.boot));
	return {
		text: `with ${upsertSums('m', 'reading_minute', 1)}, ${upsertSums('h', 'reading_hour', 10)},
		 spans as (
		   insert into device_seq_span (device_id, boot, rw_id, first_seq, last_seq, received, first_ts, last_ts)
		   select d, b, r, f, l, n, to_timestamp(ft / 1000.0), to_timestamp(lt / 1000.0)
		     from unnest($19::text[], $20::uuid[], $21::bigint[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[])
		       as u(d, r, b, f, l, n, ft, lt)
		    where exists (select 1 from device where device.id = u.d)
		    order by d, b
		   on conflict (device_id, boot) do update set ${COMBINE_SPAN}
		   returning 1)
		 select 1`,
		params: [
			...columns(minutes),
			...columns(hourList),
			spans.map((x) => x.deviceId),
			spans.map((x) => x.rwId),
			spans.map((x) => x.boot),
			spans.map((x) => x.firstSeq),
			spans.map((x) => x.lastSeq),
			spans.map((x) => x.received),
			spans.map((x) => x.firstTs),
			spans.map((x) => x.lastTs)
		]
	};
}

let lastBatchUs = 0;

/**
 * A batch's `received_at` and `rollup_pending` key: now, with random microseconds, and
 * later than any earlier batch of this process. Another instance may still pick the
 * same value (about once in a thousand batches written in the same millisecond): that
 * write then fails on the key and is retried with a new time (`writeBatch`). Not caught:
 * the same microsecond as another instance's batch that was already flushed. If the
 * process then died before its own flush, recovering its batch would also count that
 * other batch's readings in the same time range.
 */
export function batchTime(): string {
	const us = Math.max(Date.now() * 1000 + Math.floor(Math.random() * 1000), lastBatchUs + 1);
	lastBatchUs = us;
	const iso = new Date(Math.floor(us / 1000)).toISOString();
	return `${iso.slice(0, -1)}${String(us % 1000).padStart(3, '0')}Z`;
}
