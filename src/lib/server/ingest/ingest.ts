import { realtimeOf, type Database } from '../db';
import { lookupDevice, setPumpState, setStatus, type DeviceInfo } from '../devices/devices';
import { canPublish, type Principal, type PublishDecision } from '../mqtt/acl';
import { parseTopic, type TopicRoute } from '../mqtt/topics';
import { CommittedEvents } from '../events/committed';
import { GroupCommit, type Settled } from './group-commit';
import { IngestMetrics } from './metrics';
import {
	MAX_PAYLOAD_BYTES,
	panicSchema,
	pumpStateSchema,
	quickSensorLevel,
	reasonOf,
	resolveTimestamp,
	sensorLevelSchema,
	statusSchema,
	type RejectReason
} from './schemas';
import { batchTime, Rollups } from './rollups';
import { readingKey, writeBatch, writePanics, type PanicRow, type ReadingRow } from './writer';

export type Verdict = 'deliver' | 'drop';

/** How often the database may refuse a message for its data before it is kept aside (ingest_dead_letter). */
export const DEAD_LETTER_AFTER = 3;

export interface IngestOptions {
	/** How far ahead of server time a device clock may be. */
	futureMs?: number;
	/** How old a (replayed) reading may be before its timestamp is distrusted. */
	maxAgeMs?: number;
	log?: (message: string) => void;
	/**
	 * How long a batch of readings smaller than `rows` waits for more before it is
	 * stored (GroupCommit's `gather`). Only where the device's PUBACK does not wait for
	 * the store: with an external broker.
	 */
	gather?: { rows: number; ms: number };
}

/**
 * Whether some (device, boot, seq) occurs twice in the batch. Cheap for the usual
 * case, where each device's messages arrive in increasing (boot, seq): only a device
 * seen going backwards or standing still is looked at closely.
 */
export function repeatsInside(batch: readonly ReadingRow[]): boolean {
	const last = new Map<string, ReadingRow>();
	let unordered: Set<string> | null = null;
	for (const r of batch) {
		const prev = last.get(r.deviceId);
		if (prev && (r.boot < prev.boot || (r.boot === prev.boot && r.seq <= prev.seq))) (unordered ??= new Set()).add(r.deviceId);
		last.set(r.deviceId, r);
	}
	if (!unordered) return false;
	const seen = new Set<string>();
	for (const r of batch) {
		if (!unordered.has(r.deviceId)) continue;
		const key = readingKey(r.deviceId, r.boot, r.seq);
		if (seen.has(key)) return true;
		seen.add(key);
	}
	return false;
}

/**
 * An error about the batch's data (SQLSTATE class 22, data exception, or 23, integrity
 * constraint): the group commit then writes the batch again in halves, so the one
 * message the database refuses fails alone (no PUBACK, counted as store_failed) and
 * every other sensor's reading is stored. A lost connection is not one of these.
 */
export function isDataError(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	return typeof code === 'string' && /^2[23]/.test(code);
}

/** For each reading, whether it is the first with its (device, boot, seq) in the batch. */
function firstCopies(batch: readonly ReadingRow[]): boolean[] {
	const seen = new Set<string>();
	return batch.map((r) => {
		const key = readingKey(r.deviceId, r.boot, r.seq);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** A promise's outcome to a callback (the rare paths: status, pump state, a refused write). */
function settle(promise: Promise<Verdict>, done: Settled<Verdict>): void {
	promise.then(
		(verdict) => done(undefined, verdict),
		(err: unknown) => done(err ?? new Error('the store failed'))
	);
}

/**
 * Validates each device message and stores it before the broker acknowledges it
 * (store-then-ack: this runs inside aedes' authorizePublish, which precedes the
 * PUBACK — docs/architecture.md, "The realtime path"). Bad messages are dropped and counted, never
 * thrown, so a buffering device is not disconnected into a loop.
 */
/**
 * The embedded broker's readings: a second small batch goes to the database while one is
 * being written (GroupCommit's `pipeline`). Measured with bench:ingest under admin load
 * (bench/README.md, "fourteenth session"): the slowest readings waited for the batch
 * before to come back to the main thread; p99 82-145 ms (median of four runs 109)
 * against 114-300 (median 151) one batch at a time. Always two in flight made it worse
 * (200-210 ms): more batches, each with its fixed cost, behind the same admin work.
 */
const READINGS_PIPELINE = { inFlight: 2, whileBelow: 500 };

export class Ingest {
	readonly metrics = new IngestMetrics();
	readonly readings: GroupCommit<ReadingRow, boolean>;
	readonly panics: GroupCommit<PanicRow, boolean>;
	readonly rollups: Rollups;
	/** What was stored, for the alarm engine, dashboards and push (emitted after each commit). */
	readonly events: CommittedEvents;
	private devices = new Map<string, { info: DeviceInfo | null; at: number }>();
	/** Lookups in flight: messages of a device not cached yet share one query (an external broker delivers thousands at once). */
	private lookups = new Map<string, Promise<DeviceInfo | null>>();
	private decisions = new WeakMap<Principal, { topic: string; decision: PublishDecision }>();
	/** Parsed topics of messages without a publisher (an external broker's, wills): each device uses the same one again and again. */
	private routes = new Map<string, TopicRoute | null>();
	private readonly futureMs: number;
	private readonly maxAgeMs: number;
	/** Messages the database refused for their data, by (device, boot, seq): how often so far. */
	private refusals = new Map<string, number>();
	private readonly log: (message: string) => void;

	constructor(
		private readonly db: Database,
		options: IngestOptions = {}
	) {
		this.log = options.log ?? ((m: string) => console.error(m));
		this.futureMs = options.futureMs ?? 5 * 60_000;
		this.maxAgeMs = options.maxAgeMs ?? 7 * 86_400_000;
		this.rollups = new Rollups(db, { log: options.log });
		this.events = new CommittedEvents(options.log);
		// Readings and panics wait for their PUBACK: they go before queued administrative work.
		const realtime = realtimeOf(db);
		this.readings = new GroupCommit(async (batch) => {
			// A repeat inside the batch (a device re-sending before its PUBACK) is a
			// duplicate of its first copy. Usually there is none, and no key is built.
			const first = repeatsInside(batch) ? firstCopies(batch) : null;
			const unique = first ? batch.filter((_, i) => first[i]) : batch;
			const { batchAt, stored } = await writeBatch(realtime, unique, batchTime, () => this.metrics.copyFallbacks++);
			if (!first && stored.size === 0) {
				this.rollups.add(batchAt, batch);
				this.events.emit({ kind: 'readings', rows: batch });
				return batch.map(() => true);
			}
			const fresh = batch.map((r, i) => (!first || first[i]!) && !stored.has(readingKey(r.deviceId, r.boot, r.seq)));
			const rows = batch.filter((_, i) => fresh[i]);
			this.rollups.add(batchAt, rows);
			if (rows.length > 0) this.events.emit({ kind: 'readings', rows });
			return fresh;
		}, undefined, isDataError, options.gather, options.gather ? undefined : READINGS_PIPELINE);
		this.panics = new GroupCommit(async (batch) => {
			const fresh = await writePanics(realtime, batch);
			const isNew = batch.map((r) => fresh.has(readingKey(r.deviceId, r.boot, r.seq)));
			const rows = batch.filter((_, i) => isNew[i]);
			if (rows.length > 0) this.events.emit({ kind: 'panics', rows });
			return isNew;
		}, undefined, isDataError);
	}

	/** Device details, cached briefly; invalidated when the registry changes a device. */
	device(id: string): Promise<DeviceInfo | null> {
		const cached = this.cachedDevice(id);
		if (cached !== undefined) return Promise.resolve(cached);
		const pending = this.lookups.get(id);
		if (pending) return pending;
		const lookup: Promise<DeviceInfo | null> = lookupDevice(realtimeOf(this.db), id).then(
			(info) => {
				// Not when the registry changed the device meanwhile (invalidate()).
				if (this.lookups.get(id) === lookup) {
					this.lookups.delete(id);
					this.devices.set(id, { info, at: Date.now() });
				}
				return info;
			},
			(err: unknown) => {
				if (this.lookups.get(id) === lookup) this.lookups.delete(id);
				throw err;
			}
		);
		this.lookups.set(id, lookup);
		return lookup;
	}

	/** The cached details, or undefined when they must be looked up (without a promise: a message per reading). */
	private cachedDevice(id: string): DeviceInfo | null | undefined {
		const cached = this.devices.get(id);
		return cached && Date.now() - cached.at < 60_000 ? cached.info : undefined;
	}

	invalidate(id: string): void {
		this.devices.delete(id);
		this.lookups.delete(id);
	}

	remember(info: DeviceInfo): void {
		this.devices.set(info.id, { info, at: Date.now() });
	}

	/**
	 * canPublish, remembered per connection for its last topic: a device publishes to
	 * the same topic message after message, and the rule is a pure function of both.
	 */
	private decide(principal: Principal, topic: string): PublishDecision {
		const last = this.decisions.get(principal);
		if (last?.topic === topic) return last.decision;
		const decision = canPublish(principal, topic);
		this.decisions.set(principal, { topic, decision });
		return decision;
	}

	/** `parseTopic`, remembered per topic (up to 10,000 topics, then forgotten and started again). */
	routeOf(topic: string): TopicRoute | null {
		let route = this.routes.get(topic);
		if (route === undefined) {
			if (this.routes.size >= 10_000) this.routes.clear();
			route = parseTopic(topic);
			this.routes.set(topic, route);
		}
		return route;
	}

	private reject(reason: RejectReason, device: string | null): Verdict {
		this.metrics.reject(reason, device);
		return 'drop';
	}

	/**
	 * `principal` is null for a will (LWT) published after its client is gone.
	 * Not an async function on purpose: a message waits for its group commit for tens
	 * of milliseconds, and an async function's frame would keep its parsed payload
	 * alive all that time; this way only the stored row and a small callback wait
	 * (fewer objects surviving into the old generation, measured in the GC share).
	 */
	handle(principal: Principal | null, topic: string, payload: Buffer): Promise<Verdict> {
		return new Promise((resolve, reject) => this.receive(principal, topic, payload, (error, verdict) => (error === undefined ? resolve(verdict!) : reject(error))));
	}

	/**
	 * `handle` with a callback instead of a promise, for an external broker's messages:
	 * a stored reading takes no promise on its way (bench/README.md, "eleventh
	 * session"). `done` is called once, with the verdict or the error of a failed
	 * store, and must not throw.
	 */
	receive(principal: Principal | null, topic: string, payload: Buffer, done: Settled<Verdict>): void {
		this.guard(principal, done, () => this.route(principal, topic, payload, done));
	}

	/** A bug must not escape into the broker's callback: it becomes a failed store (no PUBACK), counted as one. */
	private guard(principal: Principal | null, done: Settled<Verdict>, step: () => void): void {
		try {
			step();
		} catch (err) {
			this.metrics.reject('store_failed', principal?.kind === 'device' ? principal.deviceId : null);
			done(err instanceof Error ? err : new Error(String(err)));
		}
	}

	private route(principal: Principal | null, topic: string, payload: Buffer, done: Settled<Verdict>): void {
		this.metrics.messagesIn++;
		const who = principal?.kind === 'device' ? principal.deviceId : null;
		if (payload.length > MAX_PAYLOAD_BYTES) return done(undefined, this.reject('oversized', who));
		let route: TopicRoute | null;
		if (principal) {
			const decision = this.decide(principal, topic);
			if (!decision.allow) return done(undefined, this.reject(decision.reason, who));
			route = decision.route;
		} else route = this.routeOf(topic);
		// Development clients (anonymous) may use other topics; they are not ingested.
		if (!route || route.family === 'alerts' || route.family === 'pump_cmd') {
			return done(undefined, principal?.kind === 'anonymous' ? 'deliver' : this.reject('unknown_topic', who));
		}
		const known = this.cachedDevice(route.deviceId!);
		if (known === undefined) {
			this.device(route.deviceId!).then(
				(device) => this.guard(principal, done, () => this.fromDevice(device, route, topic, payload, done)),
				(err: unknown) => done(err ?? new Error('device lookup failed'))
			);
			return;
		}
		this.fromDevice(known, route, topic, payload, done);
	}

	private fromDevice(device: DeviceInfo | null, route: TopicRoute, topic: string, payload: Buffer, done: Settled<Verdict>): void {
		if (!device || device.disabled || device.rwCode !== route.rwCode) return done(undefined, this.reject('unknown_device', route.deviceId));
		if (route.family === 'status') return settle(this.storeStatus(device, payload), done);

		let json: unknown;
		try {
			json = JSON.parse(payload.toString('utf8'));
		} catch {
			return done(undefined, this.reject('bad_json', device.id));
		}
		const now = Date.now();
		if (route.family === 'sensor_level') {
			let p = quickSensorLevel(json);
			if (!p) {
				const parsed = sensorLevelSchema.safeParse(json);
				if (!parsed.success) return done(undefined, this.reject(reasonOf(parsed.error), device.id));
				p = parsed.data;
			}
			// level = mounting height − distance (docs/domain.md, "Flood monitoring": no firmware change on re-mounting).
			const level = p.level_cm ?? (device.mountingHeightCm === null ? null : device.mountingHeightCm - p.distance_cm!);
			const { ts, skew } = resolveTimestamp(p.ts, now, this.futureMs, this.maxAgeMs);
			const row: ReadingRow = {
				deviceId: device.id,
				rwId: device.rwId,
				boot: p.boot ?? 0,
				seq: p.seq,
				ts,
				levelCm: level,
				distanceCm: p.distance_cm ?? null,
				batteryV: p.bat ?? null,
				clockSkew: skew
			};
			return this.readings.enqueue(row, (error, fresh) => this.written(error, fresh!, device, topic, payload, row, now, done));
		}
		if (route.family === 'panic') {
			const parsed = panicSchema.safeParse(json);
			if (!parsed.success) return done(undefined, this.reject(reasonOf(parsed.error), device.id));
			const { ts, skew } = resolveTimestamp(parsed.data.ts, now, this.futureMs, this.maxAgeMs);
			const row: PanicRow = { deviceId: device.id, rwId: device.rwId, boot: parsed.data.boot ?? 0, seq: parsed.data.seq, ts, clockSkew: skew };
			return this.panics.enqueue(row, (error, fresh) => this.written(error, fresh!, device, topic, payload, row, now, done));
		}
		const parsed = pumpStateSchema.safeParse(json);
		if (!parsed.success) return done(undefined, this.reject(reasonOf(parsed.error), device.id));
		if (device.kind !== 'pump') return done(undefined, this.reject('forbidden_topic', device.id));
		settle(this.storePumpState(device, parsed.data.on, now), done);
	}

	private async storeStatus(device: DeviceInfo, payload: Buffer): Promise<Verdict> {
		const status = statusSchema.safeParse(payload.toString('utf8').trim());
		if (!status.success) return this.reject('bad_fields', device.id);
		const at = new Date();
		await setStatus(this.db, device.id, status.data);
		this.metrics.accepted++;
		this.events.emit({ kind: 'status', deviceId: device.id, rwId: device.rwId, status: status.data, at });
		return 'deliver';
	}

	/** The pump's state as it reports it: what confirms (or not) a command sent to it. */
	private async storePumpState(device: DeviceInfo, on: boolean, now: number): Promise<Verdict> {
		const at = new Date(now);
		await setPumpState(realtimeOf(this.db), device.id, on, at);
		this.metrics.accepted++;
		this.events.emit({ kind: 'pump_state', deviceId: device.id, rwId: device.rwId, on, at });
		return 'deliver';
	}

	/**
	 * A reading's or panic's group commit settled: delivered once written (new or a
	 * duplicate); a failed write is counted and passed on (no PUBACK: the device, or
	 * the external broker, sends it again), see `refused`.
	 */
	private written(
		error: unknown,
		fresh: boolean,
		device: DeviceInfo,
		topic: string,
		payload: Buffer,
		row: { boot: number; seq: number; ts: Date },
		now: number,
		done: Settled<Verdict>
	): void {
		if (error !== undefined) return settle(this.refused(error, device, topic, payload, row), done);
		this.count(fresh, now, row.ts);
		// The key is built only while some message is being refused (a rare state), not per reading.
		if (this.refusals.size > 0) this.refusals.delete(readingKey(device.id, row.boot, row.seq));
		done(undefined, 'deliver');
	}

	/**
	 * A failed write: rethrown, except that a message the database refuses for its data
	 * DEAD_LETTER_AFTER times is kept in ingest_dead_letter instead and delivered, so it
	 * does not come back forever.
	 */
	private async refused(err: unknown, device: DeviceInfo, topic: string, payload: Buffer, row: { boot: number; seq: number }): Promise<Verdict> {
		this.metrics.reject('store_failed', device.id);
		if (!isDataError(err)) throw err;
		const key = readingKey(device.id, row.boot, row.seq);
		const attempts = (this.refusals.get(key) ?? 0) + 1;
		if (attempts < DEAD_LETTER_AFTER) {
			this.refusals.set(key, attempts);
			throw err;
		}
		this.refusals.delete(key);
		await realtimeOf(this.db).query(
			`insert into ingest_dead_letter (rw_id, device_id, topic, payload, error, attempts) values ($1, $2, $3, $4, $5, $6)`,
			[device.rwId, device.id, topic, payload, String(err instanceof Error ? err.message : err).slice(0, 2000), attempts]
		);
		this.metrics.deadLetters++;
		this.log(`ingest: ${topic} refused ${attempts} times (${String(err)}); kept in ingest_dead_letter and acknowledged`);
		return 'deliver';
	}

	private count(fresh: boolean, now: number, ts: Date) {
		if (fresh) {
			this.metrics.accepted++;
			this.metrics.observeLag(Math.max(0, Date.now() - Math.min(now, ts.getTime())));
		} else this.metrics.duplicates++;
	}

	/** Starts the once-a-second rollup flush (the runtime does; tests call flush()). */
	start(): void {
		this.rollups.start();
	}

	/** Resolves when everything received so far is stored, rollups included. */
	async flush(): Promise<void> {
		await Promise.all([this.readings.flushed(), this.panics.flushed()]);
		await this.rollups.flush();
	}

	/** Stops the rollup timer after a last flush. */
	async close(): Promise<void> {
		await Promise.all([this.readings.flushed(), this.panics.flushed()]);
		await this.rollups.close();
	}

	renderMetrics(): string {
		const r = this.readings.stats;
		const p = this.panics.stats;
		return this.metrics.render({
			batches: r.batches + p.batches,
			items: r.items + p.items,
			maxBatch: Math.max(r.maxBatch, p.maxBatch),
			lastBatch: r.lastBatch,
			writeMs: r.writeMs + p.writeMs
		}, { ...this.rollups.stats, batchesWaiting: this.rollups.waiting });
	}
}
