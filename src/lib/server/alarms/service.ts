import { ALARM_RULES, AlarmEngine, REBUILD_WINDOW_MS, type DeviceConfig, type EngineAlarmType, type LevelUpdate, type SensorReading, type Transition } from '$lib/domain/alarms';
import type { Siaga } from '$lib/domain/flood';
import type { AlertMessage, AlarmView, LevelView, Severity } from '$lib/views/alerts';
import { realtimeOf, type Database } from '../db';
import type { CommittedEvent, CommittedEvents } from '../events/committed';
import type { ReadingRow } from '../ingest/writer';
import { topics } from '../mqtt/topics';
import { loadActiveAlarms, loadDevices, loadDevicesInPages, loadRecentReadings, SHARED_READINGS_PER_DEVICE, writeTransitions, type DeviceRecord } from './store';

/** A sensor's flood level changed (raised, escalated, lowered, cleared): what residents of its area are told. */
export interface LevelChange {
	rwId: string;
	rtId: string | null;
	deviceId: string;
	deviceName: string;
	/** 4 is normal. */
	oldSiaga: Siaga;
	newSiaga: Siaga;
	/** Of the new level; null back at normal. */
	severity: Severity | null;
	levelCm: number | null;
	nextSiaga?: number;
	etaMinutes?: number;
	at: string;
}

export interface AlarmServiceOptions {
	db: Database;
	events: CommittedEvents;
	/** QoS 1 publish on the broker (the runtime's `broker.publish`). */
	publish: (topic: string, payload: string) => Promise<void>;
	/**
	 * Several instances share the ingest (external broker): each decides on the history
	 * in the database, read per batch, since its own share of a sensor's readings is partial.
	 */
	sharedWindow?: boolean;
	/**
	 * With `sharedWindow`: a step (one read of the history) at most this often (ms,
	 * default SHARED_STEP_MS); readings committed meanwhile are decided together.
	 */
	sharedStepMs?: number;
	/**
	 * How long a better condition must hold before an alarm lowers or clears (ms;
	 * ALARM_HOLD_S, default the engine's 5 minutes). Measured on the readings' times.
	 */
	holdMs?: number;
	/** Server time (ms). */
	now?: () => number;
	/** The offline check and the settings reload (ms). */
	tickMs?: number;
	/** Level messages per sensor at most this often unless its Siaga changes (ms). */
	levelEveryMs?: number;
	log?: (message: string) => void;
}

/** A tick carries the devices read for it, and the count of status events applied when that read began. */
type Work = { kind: 'event'; event: CommittedEvent } | { kind: 'tick'; records: DeviceRecord[]; statusEvents: number };

/**
 * How often a service with a shared window reads the history at most. Read per batch,
 * as fast as the reads came back, it was PostgreSQL's largest cost at full speed
 * (bench:ingest-external: up to 6,000 rows through the primary key per read, several
 * reads a second per instance, more than the inserts themselves); once a second it is
 * bounded by the sensors, not by the ingest rate. An alarm is decided up to this much later.
 */
export const SHARED_STEP_MS = 1000;

/**
 * Feeds committed readings and device status into the alarm engine, records each
 * transition (store.ts) and publishes what changed on `rw/{rw}/alerts/…`
 * (docs/architecture.md, "Alarms"). Work runs one item at a time, in order; database
 * writes go through the realtime handle, so alarms never wait behind an import.
 */
export class AlarmService {
	readonly engine: AlarmEngine;
	/** How far back a rebuild reads: the rate window and the hold, whichever needs more. */
	private readonly rebuildWindowMs: number;
	private readonly db: Database;
	/** The tick's read of every device: normal work, not the realtime path (see `startTick`). */
	private readonly settingsDb: Database;
	/** Status events applied so far (a tick's devices read before one must not undo it). */
	private statusEvents = 0;
	/** The tick whose devices are being read, while one is. */
	private ticking: Promise<void> | null = null;
	private readonly now: () => number;
	private readonly log: (message: string) => void;
	private readonly devices = new Map<string, DeviceRecord>();
	private readonly lastLevel = new Map<string, { at: number; siaga: Siaga | null }>();
	private readonly levelListeners: ((change: LevelChange) => void)[] = [];
	private offs: (() => void)[] = [];
	private timer: NodeJS.Timeout | null = null;
	private chain: Promise<void> = Promise.resolve();
	private stale = new Set<string>();
	private queue: { transition: Transition; config: DeviceConfig }[] = [];
	/** Readings waiting for their turn in the chain (enqueueReadings). */
	private pendingReadings: ReadingRow[] | null = null;
	/** With a shared window: when the next read of the history may start (performance.now()). */
	private nextSharedStep = 0;
	private readonly sharedStepMs: number;
	private writing: Promise<void> | null = null;
	private closed = false;
	/** Counters for tests and metrics. */
	readonly stats = { transitions: 0, lost: 0, published: 0, failures: 0, sharedReads: 0 };

	constructor(private readonly options: AlarmServiceOptions) {
		const rules = options.holdMs === undefined ? ALARM_RULES : { ...ALARM_RULES, holdMs: options.holdMs };
		this.engine = new AlarmEngine(rules);
		this.rebuildWindowMs = Math.max(REBUILD_WINDOW_MS, rules.riseWindowMs + 2 * rules.holdMs);
		this.db = realtimeOf(options.db);
		this.settingsDb = options.db;
		this.now = options.now ?? Date.now;
		this.log = options.log ?? ((m) => console.error(m));
		this.sharedStepMs = options.sharedWindow ? (options.sharedStepMs ?? SHARED_STEP_MS) : 0;
	}

	/**
	 * Subscribes at once (nothing committed from now on is missed) and rebuilds the
	 * engine from the database first: each sensor's recent readings and the active
	 * alarms, so a restart neither fires again nor forgets. Resolves when rebuilt.
	 */
	start(): Promise<void> {
		const events = this.options.events;
		this.offs.push(
			events.on('readings', (event) => this.enqueue({ kind: 'event', event })),
			events.on('status', (event) => this.enqueue({ kind: 'event', event }))
		);
		const rebuilt = this.run(() => this.rebuild());
		this.timer = setInterval(() => void this.startTick(), this.options.tickMs ?? 15_000);
		this.timer.unref();
		return rebuilt;
	}

	/** Stops listening and the timer; resolves when the work already queued is done. */
	async close(): Promise<void> {
		this.closed = true;
		for (const off of this.offs) off();
		this.offs = [];
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.idle();
	}

	/** Resolves when everything queued so far is processed and recorded (tests, shutdown). */
	async idle(): Promise<void> {
		for (;;) {
			const chain = this.chain;
			await chain;
			if (this.writing) await this.writing;
			if (chain === this.chain && !this.writing) return;
		}
	}

	/** Runs the offline check now and resolves when its alarms are recorded (tests; the timer does it every tickMs). */
	async tick(): Promise<void> {
		await this.startTick();
		await this.idle();
	}

	/**
	 * A tick reads every device (settings, silence, status, last seen) before it takes
	 * its turn, at normal priority: the chain decides readings one step at a time, and
	 * a whole-fleet read in it (through the realtime handle, as it was) made every alarm
	 * decided meanwhile wait for it, and the readings' writes with it, ~40-60 ms under an
	 * import (bench/README.md, "fourteenth session"). Settings that change are re-read
	 * before the device's next reading anyway (`invalidate`); the tick only notices
	 * silences that end, sensors gone quiet and devices removed, none of which is late
	 * by the read's wait. The read goes in pages (`loadDevicesInPages`): each is a short
	 * hold of PGlite's session. Resolves when the tick is queued.
	 */
	private startTick(): Promise<void> {
		if (this.closed) return Promise.resolve();
		if (this.ticking) return this.ticking;
		const statusEvents = this.statusEvents;
		const ticking = loadDevicesInPages(this.settingsDb).then(
			(records) => void this.enqueue({ kind: 'tick', records, statusEvents }),
			(err: unknown) => {
				this.stats.failures++;
				this.log(`alarms: the tick's device read failed: ${err instanceof Error ? err.message : String(err)}`);
			}
		);
		this.ticking = ticking.finally(() => (this.ticking = null));
		return this.ticking;
	}

	/** A device's settings changed (thresholds, limit, interval, silence): re-read before its next reading. */
	invalidate(deviceId: string): void {
		this.stale.add(deviceId);
	}

	/** Level changes per area (for push notifications); returns the function that unsubscribes. */
	onLevelChange(listener: (change: LevelChange) => void): () => void {
		this.levelListeners.push(listener);
		return () => {
			const i = this.levelListeners.indexOf(listener);
			if (i >= 0) this.levelListeners.splice(i, 1);
		};
	}

	private enqueue(work: Work): Promise<void> {
		if (this.closed) return this.chain;
		if (work.kind === 'event' && work.event.kind === 'readings') return this.enqueueReadings(work.event.rows);
		return this.run(() => (work.kind === 'tick' ? this.onTick(work.records, work.statusEvents) : this.onEvent(work.event)));
	}

	/**
	 * Readings batches that arrive while the service is busy are decided together, as
	 * one: a service behind the ingest (several instances reading the shared history
	 * per batch) catches up in one step instead of one database read per batch. With a
	 * shared window a step also waits until `sharedStepMs` after the previous one
	 * started, gathering what comes meanwhile.
	 */
	private enqueueReadings(rows: readonly ReadingRow[]): Promise<void> {
		if (this.pendingReadings) {
			this.pendingReadings.push(...rows);
			return this.chain;
		}
		const pending: ReadingRow[] = [...rows];
		this.pendingReadings = pending;
		return this.run(async () => {
			const wait = this.nextSharedStep - performance.now();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			this.pendingReadings = null;
			this.nextSharedStep = performance.now() + this.sharedStepMs;
			return this.onReadings(pending);
		});
	}

	private run(step: () => Promise<void>): Promise<void> {
		this.chain = this.chain.then(step).catch((err: unknown) => {
			this.stats.failures++;
			this.log(`alarms: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
		});
		return this.chain;
	}

	private remember(records: readonly DeviceRecord[]): void {
		for (const r of records) {
			this.devices.set(r.config.id, r);
			this.engine.configure(r.config);
			this.stale.delete(r.config.id);
		}
	}

	private async rebuild(): Promise<void> {
		const now = this.now();
		const records = await loadDevices(this.db);
		this.remember(records);
		const [readings, active] = await Promise.all([loadRecentReadings(this.db, now - this.rebuildWindowMs), loadActiveAlarms(this.db)]);
		for (const r of records) {
			this.engine.restore(r.config.id, { readings: readings.get(r.config.id) ?? [], recorded: active.get(r.config.id) ?? {}, status: r.status, lastSeenAt: r.lastSeenAt });
		}
	}

	/** Whether a device is not known yet (new) or its settings changed. */
	private unknown(id: string): boolean {
		return !this.devices.has(id) || this.stale.has(id);
	}

	/** Settings of devices not known yet (new) or changed; one query. */
	private async refresh(ids: Iterable<string>): Promise<void> {
		const missing: string[] = [];
		for (const id of ids) if (this.unknown(id)) missing.push(id);
		if (missing.length === 0) return;
		// A device new to this engine was registered (or enabled) while it ran: every reading
		// it stored since came here, so there is no history to load. An alarm left active
		// from before it was disabled comes back when a write finds it (record).
		this.remember(await loadDevices(this.db, missing));
	}

	/** Rebuilds devices from what the database holds, leaving out `skip`'s readings (the batch about to be fed). */
	private async restoreFromDatabase(ids: string[], skip: Map<string, Set<number>>): Promise<void> {
		this.stats.sharedReads++;
		const [readings, active] = await Promise.all([
			loadRecentReadings(this.db, this.now() - this.rebuildWindowMs, ids, SHARED_READINGS_PER_DEVICE),
			loadActiveAlarms(this.db, ids)
		]);
		for (const id of ids) {
			const record = this.devices.get(id);
			if (!record) continue;
			const left = skip.get(id);
			const history = (readings.get(id) ?? []).filter((r) => !left?.has(r.at));
			this.engine.restore(id, { readings: history, recorded: active.get(id) ?? {}, status: record.status, lastSeenAt: record.lastSeenAt });
		}
	}

	private async onEvent(event: CommittedEvent): Promise<void> {
		if (event.kind === 'readings') return this.onReadings(event.rows);
		if (event.kind !== 'status') return;
		await this.refresh([event.deviceId]);
		const record = this.devices.get(event.deviceId);
		if (!record) return;
		record.status = event.status;
		this.statusEvents++;
		if (this.options.sharedWindow) {
			const active = await loadActiveAlarms(this.db, [event.deviceId]);
			this.engine.record(event.deviceId, 'sensor_offline', active.get(event.deviceId)?.sensor_offline ?? null);
		}
		await this.commit(this.engine.status(event.deviceId, event.status, event.at.getTime(), this.now()));
	}

	/**
	 * A batch of committed readings. It runs for every batch the ingest commits (at a
	 * few hundred readings a second, batches of one or two), so the usual case (known
	 * devices, nothing to record) allocates little and waits for nothing: every object
	 * made here is garbage for the main thread's young generation (bench/README.md, memory).
	 */
	private async onReadings(rows: readonly ReadingRow[]): Promise<void> {
		const byDevice = new Map<string, SensorReading[]>();
		let unknown = false;
		for (const r of rows) {
			let list = byDevice.get(r.deviceId);
			if (!list) {
				byDevice.set(r.deviceId, (list = []));
				unknown ||= this.unknown(r.deviceId);
			}
			list.push({ at: r.ts.getTime(), levelCm: r.levelCm, batteryV: r.batteryV, clockSkew: r.clockSkew });
		}
		if (unknown) await this.refresh(byDevice.keys());
		if (this.options.sharedWindow) {
			// Another instance stored some of these sensors' readings: decide on the whole history.
			const skip = new Map([...byDevice].map(([id, list]) => [id, new Set(list.map((r) => r.at))]));
			await this.restoreFromDatabase([...byDevice.keys()], skip);
		}
		const now = this.now();
		const transitions: Transition[] = [];
		const levels: LevelUpdate[] = [];
		for (const [id, list] of byDevice) {
			const { transitions: t, level } = this.engine.readings(id, list, now);
			for (const transition of t) transitions.push(transition);
			if (level) levels.push(level);
		}
		if (transitions.length > 0) await this.commit(transitions);
		for (const level of levels) this.publishLevel(level, now);
	}

	/** `records`: every device, read when `statusEvents` status events had been applied. */
	private async onTick(records: DeviceRecord[], statusEvents: number): Promise<void> {
		// A status applied since the read began is newer than what the read found.
		if (statusEvents !== this.statusEvents) {
			for (const r of records) {
				const known = this.devices.get(r.config.id);
				if (known) r.status = known.status;
			}
		}
		const known = new Set(records.map((r) => r.config.id));
		for (const id of this.engine.deviceIds()) if (!known.has(id)) this.engine.remove(id); // disabled or deleted
		this.remember(records);
		for (const r of records) this.engine.seen(r.config.id, this.options.sharedWindow ? r.status : 'unknown', r.lastSeenAt);
		if (this.options.sharedWindow) {
			const active = await loadActiveAlarms(this.db);
			for (const id of this.engine.deviceIds()) {
				const byType = active.get(id) ?? {};
				for (const type of ['sensor_offline', 'flood_level', 'rate_of_rise', 'low_battery', 'stale_clock'] as const) this.engine.record(id, type, byType[type] ?? null);
			}
		}
		await this.commit(this.engine.tick(this.now()));
	}

	/**
	 * Queues transitions for the writer; resolves when they are recorded. Like the
	 * ingest's group commit: one write at a time, what comes meanwhile goes in the
	 * next, so decisions never queue behind a slow write (an import holding the
	 * database) and each (device, type) is written in order. With a shared window the
	 * caller waits: the next batch reads what this one wrote.
	 */
	private commit(transitions: readonly Transition[]): Promise<void> {
		for (const transition of transitions) {
			const record = this.devices.get(transition.deviceId);
			if (record) this.queue.push({ transition, config: record.config });
		}
		if (this.queue.length > 0) this.writing ??= this.drain();
		const done = this.writing ?? Promise.resolve();
		return this.options.sharedWindow ? done : Promise.resolve();
	}

	private async drain(): Promise<void> {
		try {
			while (this.queue.length > 0) {
				const items = this.queue.splice(0);
				await this.record(items).catch((err: unknown) => {
					this.stats.failures++;
					this.log(`alarms: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
				});
			}
		} finally {
			this.writing = null;
		}
	}

	/** Records transitions; publishes those this write won; puts back what the database holds for those it lost. */
	private async record(items: { transition: Transition; config: DeviceConfig }[]): Promise<void> {
		let written: (AlarmView | null)[];
		try {
			written = await writeTransitions(this.db, items);
		} catch (err) {
			// Nothing of the batch was written: the engine takes back what the database holds,
			// and what still holds is decided again at the next reading or tick.
			this.log(`alarms: recording ${items.length} transition(s) failed: ${err instanceof Error ? err.message : String(err)}`);
			this.stats.failures++;
			written = items.map(() => null);
		}
		const lost: string[] = [];
		written.forEach((view, i) => {
			const { transition } = items[i]!;
			if (!view) {
				lost.push(transition.deviceId);
				return;
			}
			this.stats.transitions++;
			const record = this.devices.get(transition.deviceId)!;
			this.send(topics.alert(record.rwCode, 'alarm', view.id), { kind: 'alarm', alarm: view });
			if (transition.type === 'flood_level' && transition.kind !== 'repeat') this.levelChanged(transition, record, view);
		});
		if (lost.length > 0) {
			this.stats.lost += lost.length;
			// Another instance (or an earlier write) decided these first: take what the database holds.
			const ids = [...new Set(lost)];
			const active = await loadActiveAlarms(this.db, ids);
			for (const { transition } of items) {
				if (!ids.includes(transition.deviceId) || transition.type === 'panic') continue;
				const type = transition.type as EngineAlarmType;
				this.engine.record(transition.deviceId, type, active.get(transition.deviceId)?.[type] ?? null);
			}
		}
	}

	private levelChanged(t: Transition, record: DeviceRecord, view: AlarmView): void {
		const change: LevelChange = {
			rwId: record.config.rwId,
			rtId: record.config.rtId,
			deviceId: record.config.id,
			deviceName: record.name,
			oldSiaga: t.previous?.siaga ?? 4,
			newSiaga: t.kind === 'clear' ? 4 : (t.siaga ?? 4),
			severity: t.kind === 'clear' ? null : t.severity,
			levelCm: view.details.levelCm ?? null,
			...(view.details.nextSiaga === undefined ? {} : { nextSiaga: view.details.nextSiaga, etaMinutes: view.details.etaMinutes }),
			at: new Date(t.at).toISOString()
		};
		for (const listener of this.levelListeners) {
			try {
				listener(change);
			} catch (err) {
				this.log(`alarms: level-change listener failed: ${String(err)}`);
			}
		}
	}

	/** A sensor's level: at once when its Siaga changed, else at most every levelEveryMs. */
	private publishLevel(level: LevelUpdate, now: number): void {
		const record = this.devices.get(level.deviceId);
		if (!record) return;
		const last = this.lastLevel.get(level.deviceId);
		if (last && last.siaga === level.siaga && now - last.at < (this.options.levelEveryMs ?? 5000)) return;
		this.lastLevel.set(level.deviceId, { at: now, siaga: level.siaga });
		const view: LevelView = {
			deviceId: level.deviceId,
			levelCm: level.levelCm,
			siaga: level.siaga,
			risePer10Min: level.risePer10Min,
			at: new Date(level.at).toISOString(),
			...(level.nextSiaga === undefined ? {} : { nextSiaga: level.nextSiaga, etaMinutes: level.etaMinutes })
		};
		this.send(topics.alert(record.rwCode, 'level', level.deviceId), { kind: 'level', level: view });
	}

	/** Published without waiting: the next batch does not queue behind the broker. */
	private send(topic: string, message: AlertMessage): void {
		this.options.publish(topic, JSON.stringify(message)).then(
			() => this.stats.published++,
			(err: unknown) => {
				this.stats.failures++;
				this.log(`alarms: publishing ${topic} failed: ${err instanceof Error ? err.message : String(err)}`);
			}
		);
	}
}

