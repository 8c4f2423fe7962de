/**
 * The alarm engine: a pure state machine from what a device reported to alarm
 * transitions (docs/architecture.md, "Alarms"; docs/domain.md, "Flood monitoring").
 * No I/O and no clock of its own: every call gets `now` (server time, ms), readings
 * carry their own time. The server feeds it committed readings and device status,
 * stores the transitions and publishes them.
 *
 * Per sensor:
 * - **Flood level**, Siaga 4 (normal: below the Siaga 3 threshold) to Siaga 1, from the
 *   sensor's thresholds (`siagaOf`) applied to the median of its last 5 readings, so one
 *   bad echo does nothing (and a decision needs at least 3 readings). Worse is raised at
 *   once; better only when the water stood below the level's threshold minus a margin
 *   for the whole hold time (it lowers to the worst level seen, with the margin, in that
 *   time): no flapping when the water hovers at a threshold.
 * - **Rate of rise** (cm per 10 minutes, from the filtered series over the last
 *   10 minutes) above the sensor's limit: a warning even below Siaga 3; cleared when the
 *   rate stayed below half the limit for the hold time. While the water rises, the
 *   minutes to the next Siaga level at the current rate go with the level and alarms.
 * - **Sensor offline**: its last will said so, or nothing came for 3 report intervals.
 * - **Low battery**: the median battery below 3.4 V; cleared at 3.5 V held for the hold time.
 * - **Stale clock**: most of the last 5 readings carried a time the server distrusted
 *   (stored with `clock_skew`); cleared when none of the last 5 did.
 *
 * One alarm per (device, type): transitions raise, escalate, lower, clear, and repeat
 * (the condition still holds: last seen and count, at most once a minute). A silenced
 * device raises and escalates nothing, but its state is still tracked, so what still
 * holds when the silence ends is raised then.
 */
import type { AlarmDetails, AlarmType, Severity } from '$lib/views/alerts';
import { SEVERITY_RANK } from '$lib/views/alerts';
import { siagaOf, type Siaga, type Thresholds } from './flood';

export interface AlarmRules {
	/** Readings in the median filter. */
	filterSize: number;
	/** Readings needed before the filtered level (or battery, or clock) decides anything. */
	minSamples: number;
	/** A flood level lowers only below its threshold minus this (cm)… */
	levelMarginCm: number;
	/** …held for this long (ms); the same hold clears a rate-of-rise or battery alarm. */
	holdMs: number;
	/** The rate of rise is measured over this window (ms)… */
	riseWindowMs: number;
	/** …when the filtered series spans at least this much of it (ms). */
	riseMinSpanMs: number;
	/** A rate-of-rise warning clears below this fraction of the sensor's limit. */
	riseClearFactor: number;
	/** Below this rate (cm per 10 min) the water is not rising: no time-to-next-level estimate. */
	risingCmPer10Min: number;
	/** Offline after this many report intervals without a reading. */
	offlineIntervals: number;
	/** Low battery below this (V)… */
	lowBatteryV: number;
	/** …cleared at or above this (V), held for the hold time. */
	batteryOkV: number;
	/** A repeat (last seen, count) is recorded at most this often (ms). */
	repeatEveryMs: number;
	/** Series points closer than this (ms) share one point (fast sensors keep a bounded history). */
	seriesStepMs: number;
}

export const ALARM_RULES: AlarmRules = {
	filterSize: 5,
	minSamples: 3,
	levelMarginCm: 5,
	holdMs: 5 * 60_000,
	riseWindowMs: 10 * 60_000,
	riseMinSpanMs: 5 * 60_000,
	riseClearFactor: 0.5,
	risingCmPer10Min: 0.5,
	offlineIntervals: 3,
	lowBatteryV: 3.4,
	batteryOkV: 3.5,
	repeatEveryMs: 60_000,
	seriesStepMs: 5_000
};

/** How much history the server loads to rebuild the engine at start (ms): more than the rate window and the hold. */
export const REBUILD_WINDOW_MS = 30 * 60_000;

export type DeviceKind = 'sensor' | 'panic' | 'pump';

export interface DeviceConfig {
	id: string;
	rwId: string;
	rtId: string | null;
	kind: DeviceKind;
	thresholds: Thresholds;
	riseLimitCmPer10Min: number;
	reportIntervalS: number;
	/** ms; alarms raise nothing new while it is in the future. */
	silencedUntil: number | null;
}

export interface SensorReading {
	/** The reading's time (ms). */
	at: number;
	levelCm: number | null;
	batteryV: number | null;
	clockSkew: boolean;
}

export type TransitionKind = 'raise' | 'escalate' | 'lower' | 'clear' | 'repeat';

/** An alarm as recorded (what the database holds for the one active alarm of a device and type). */
export interface AlarmState {
	severity: Severity;
	siaga: Siaga | null;
	firstSeenAt: number;
	lastSeenAt: number;
	count: number;
}

export interface Transition {
	deviceId: string;
	type: AlarmType;
	kind: TransitionKind;
	at: number;
	severity: Severity;
	siaga: Siaga | null;
	/** The recorded alarm before this transition (null for a raise). */
	previous: AlarmState | null;
	details: AlarmDetails;
}

/** A sensor's level after a batch of readings (the dashboards' live level). */
export interface LevelUpdate {
	deviceId: string;
	at: number;
	/** The filtered level (the last raw reading until the filter has enough). */
	levelCm: number | null;
	/** The tracked level (with hysteresis): 4 normal … 1; null without thresholds or readings. */
	siaga: Siaga | null;
	previousSiaga: Siaga | null;
	risePer10Min: number | null;
	nextSiaga?: Siaga;
	etaMinutes?: number;
}

export const severityOfSiaga = (siaga: Siaga): Severity => (siaga === 1 ? 'critical' : siaga === 2 ? 'major' : 'minor');

/** The severity of each alarm type that has a fixed one. */
const FIXED_SEVERITY: Record<Exclude<AlarmType, 'flood_level' | 'panic'>, Severity> = {
	rate_of_rise: 'warning',
	sensor_offline: 'major',
	low_battery: 'warning',
	stale_clock: 'warning'
};

/** The order types are reconciled and their transitions listed in. */
export const ENGINE_TYPES = ['flood_level', 'rate_of_rise', 'sensor_offline', 'low_battery', 'stale_clock'] as const;
export type EngineAlarmType = (typeof ENGINE_TYPES)[number];

interface Point {
	at: number;
	/** Filtered level. */
	cm: number | null;
	rate: number | null;
	/** Filtered battery. */
	battery: number | null;
}

interface DeviceState {
	config: DeviceConfig;
	levels: number[];
	batteries: number[];
	skews: boolean[];
	series: Point[];
	/** Time of the newest reading taken in (older ones arriving later are stored, not evaluated). */
	lastAt: number | null;
	/** Newest sign of life: a reading or an `online` status. */
	lastActivity: number | null;
	status: 'online' | 'offline' | 'unknown';
	level: Siaga;
	rising: boolean;
	lowBattery: boolean;
	staleClock: boolean;
	recorded: Map<EngineAlarmType, AlarmState>;
}

/** Scratch space for median: the filter runs on every reading and allocates nothing. */
let sortScratch = new Float64Array(8);

export function median(values: readonly number[]): number {
	const n = values.length;
	if (sortScratch.length < n) sortScratch = new Float64Array(n * 2);
	const s = sortScratch;
	// Insertion sort: the filter holds a handful of values.
	for (let i = 0; i < n; i++) {
		const v = values[i]!;
		let j = i - 1;
		while (j >= 0 && s[j]! > v) {
			s[j + 1] = s[j]!;
			j--;
		}
		s[j + 1] = v;
	}
	const mid = n >> 1;
	return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function thresholdOf(t: Thresholds, siaga: Siaga): number | null {
	return siaga === 3 ? t.siaga3_cm : siaga === 2 ? t.siaga2_cm : siaga === 1 ? t.siaga1_cm : null;
}

/** While rising at `rate` (cm per 10 min): the next Siaga level above `levelCm` and the whole minutes until it. */
export function nextLevelEta(levelCm: number, rate: number | null, t: Thresholds, rules: AlarmRules = ALARM_RULES): { nextSiaga: Siaga; etaMinutes: number } | null {
	if (rate === null || rate < rules.risingCmPer10Min) return null;
	const now = siagaOf(levelCm, t);
	if (now === null || now === 1) return null;
	const nextSiaga = (now - 1) as Siaga;
	const threshold = thresholdOf(t, nextSiaga)!;
	return { nextSiaga, etaMinutes: Math.max(1, Math.ceil(((threshold - levelCm) / rate) * 10)) };
}

function rank(state: { severity: Severity; siaga: Siaga | null }): number {
	// Within one severity a lower Siaga number is worse (flood levels map 1:1 anyway).
	return SEVERITY_RANK[state.severity] * 10 + (state.siaga ?? 5);
}

export class AlarmEngine {
	private devices = new Map<string, DeviceState>();

	constructor(readonly rules: AlarmRules = ALARM_RULES) {}

	/** Adds a device or updates its settings (thresholds, limit, interval, silence); its state is kept. */
	configure(config: DeviceConfig): void {
		const state = this.devices.get(config.id);
		if (state) state.config = config;
		else this.devices.set(config.id, this.fresh(config));
	}

	has(deviceId: string): boolean {
		return this.devices.has(deviceId);
	}

	config(deviceId: string): DeviceConfig | null {
		return this.devices.get(deviceId)?.config ?? null;
	}

	remove(deviceId: string): void {
		this.devices.delete(deviceId);
	}

	deviceIds(): string[] {
		return [...this.devices.keys()];
	}

	private fresh(config: DeviceConfig): DeviceState {
		return {
			config,
			levels: [],
			batteries: [],
			skews: [],
			series: [],
			lastAt: null,
			lastActivity: null,
			status: 'unknown',
			level: 4,
			rising: false,
			lowBattery: false,
			staleClock: false,
			recorded: new Map()
		};
	}

	/**
	 * Rebuilds a device's state after a restart, without transitions: the alarms the
	 * database holds as recorded (and as the starting point of the hysteresis), then the
	 * recent readings replayed. What changed meanwhile comes out at the next call.
	 */
	restore(
		deviceId: string,
		input: { readings: readonly SensorReading[]; recorded: Partial<Record<EngineAlarmType, AlarmState>>; status?: 'online' | 'offline' | 'unknown'; lastSeenAt?: number | null }
	): void {
		const state = this.devices.get(deviceId);
		if (!state) return;
		const config = state.config;
		const fresh = this.fresh(config);
		for (const [type, alarm] of Object.entries(input.recorded) as [EngineAlarmType, AlarmState | undefined][]) {
			if (!alarm) continue;
			fresh.recorded.set(type, { ...alarm });
			if (type === 'flood_level' && alarm.siaga !== null) fresh.level = alarm.siaga;
			if (type === 'rate_of_rise') fresh.rising = true;
			if (type === 'low_battery') fresh.lowBattery = true;
			if (type === 'stale_clock') fresh.staleClock = true;
		}
		this.devices.set(deviceId, fresh);
		for (const r of [...input.readings].sort((a, b) => a.at - b.at)) this.take(fresh, r);
		fresh.status = input.status ?? fresh.status;
		if (input.lastSeenAt != null) fresh.lastActivity = Math.max(fresh.lastActivity ?? input.lastSeenAt, input.lastSeenAt);
	}

	/**
	 * What the database says of a device's connection (another instance may have heard
	 * it): its stored status when known, and its last-seen time.
	 */
	seen(deviceId: string, status: 'online' | 'offline' | 'unknown', lastSeenAt: number | null): void {
		const state = this.devices.get(deviceId);
		if (!state) return;
		if (status !== 'unknown') state.status = status;
		if (lastSeenAt !== null) state.lastActivity = Math.max(state.lastActivity ?? lastSeenAt, lastSeenAt);
	}

	/** What the database holds for (device, type), when it differs from what this engine decided (another instance won). */
	record(deviceId: string, type: EngineAlarmType, alarm: AlarmState | null): void {
		const state = this.devices.get(deviceId);
		if (!state) return;
		if (alarm) state.recorded.set(type, { ...alarm });
		else state.recorded.delete(type);
	}

	recorded(deviceId: string, type: EngineAlarmType): AlarmState | null {
		return this.devices.get(deviceId)?.recorded.get(type) ?? null;
	}

	/** New readings of one device (any order; those not newer than what it already took in are skipped). */
	readings(deviceId: string, rows: readonly SensorReading[], now: number): { transitions: Transition[]; level: LevelUpdate | null } {
		const state = this.devices.get(deviceId);
		if (!state) return { transitions: [], level: null };
		const previousSiaga = this.trackedSiaga(state);
		const sorted = rows.length > 1 ? [...rows].sort((a, b) => a.at - b.at) : rows;
		for (const r of sorted) this.take(state, r);
		// Decided even when none was new: a state restored from the database may already
		// hold them (and newer ones) without having decided on them.
		if (rows.length === 0 || state.lastAt === null) return { transitions: [], level: null };
		const transitions = this.reconcile(state, state.lastAt, now, true);
		return { transitions, level: this.levelOf(state, previousSiaga) };
	}

	/** A device's connection state (its last will, or its `online` on connecting). */
	status(deviceId: string, status: 'online' | 'offline', at: number, now: number): Transition[] {
		const state = this.devices.get(deviceId);
		if (!state) return [];
		state.status = status;
		if (status === 'online') state.lastActivity = Math.max(state.lastActivity ?? at, at);
		return this.reconcile(state, at, now, false);
	}

	/** The timer's check: sensors silent for too long, and raises a silence held back that has now ended. */
	tick(now: number): Transition[] {
		const out: Transition[] = [];
		for (const state of this.devices.values()) out.push(...this.reconcile(state, now, now, false));
		return out;
	}

	/** The level as the last batch left it (for tests and the dashboards' catch-up). */
	level(deviceId: string): LevelUpdate | null {
		const state = this.devices.get(deviceId);
		return state ? this.levelOf(state, this.trackedSiaga(state)) : null;
	}

	private trackedSiaga(state: DeviceState): Siaga | null {
		const t = state.config.thresholds;
		if (t.siaga3_cm === null || t.siaga2_cm === null || t.siaga1_cm === null) return null;
		return state.series.length > 0 && state.series[state.series.length - 1]!.cm !== null ? state.level : null;
	}

	private levelOf(state: DeviceState, previousSiaga: Siaga | null): LevelUpdate | null {
		if (state.lastAt === null) return null;
		const last = state.series[state.series.length - 1];
		const filtered = last?.cm ?? null;
		const levelCm = filtered ?? (state.levels.length > 0 ? state.levels[state.levels.length - 1]! : null);
		const rate = last?.rate ?? null;
		const eta = filtered === null ? null : nextLevelEta(filtered, rate, state.config.thresholds, this.rules);
		return {
			deviceId: state.config.id,
			at: state.lastAt,
			levelCm: levelCm === null ? null : round1(levelCm),
			siaga: this.trackedSiaga(state),
			previousSiaga,
			risePer10Min: rate === null ? null : round1(rate),
			...(eta ?? {})
		};
	}

	/** Takes one reading into the filters, the series and the trackers; false when it is older than what was taken. */
	private take(state: DeviceState, r: SensorReading): boolean {
		if (state.lastAt !== null && r.at <= state.lastAt) return false;
		const rules = this.rules;
		state.lastAt = r.at;
		state.lastActivity = Math.max(state.lastActivity ?? r.at, r.at);
		if (state.status === 'offline') state.status = 'online';
		push(state.skews, r.clockSkew, rules.filterSize);
		if (r.levelCm !== null) push(state.levels, r.levelCm, rules.filterSize);
		if (r.batteryV !== null) push(state.batteries, r.batteryV, rules.filterSize);
		const cm = state.levels.length >= rules.minSamples ? median(state.levels) : null;
		const battery = state.batteries.length >= rules.minSamples ? median(state.batteries) : null;
		const rate = cm === null ? null : this.rateAt(state.series, r.at, cm);
		this.addPoint(state.series, r.at, cm, rate, battery);
		this.track(state, r.at);
		return true;
	}

	/** cm per 10 minutes between the oldest filtered point in the window and now. */
	private rateAt(series: readonly Point[], at: number, cm: number): number | null {
		const from = at - this.rules.riseWindowMs;
		const oldest = series.find((p) => p.at >= from && p.cm !== null);
		if (!oldest || at - oldest.at < this.rules.riseMinSpanMs) return null;
		return ((cm - oldest.cm!) / (at - oldest.at)) * 600_000;
	}

	private addPoint(series: Point[], at: number, cm: number | null, rate: number | null, battery: number | null): void {
		const last = series[series.length - 1];
		const step = this.rules.seriesStepMs;
		// One point per step: a fast sensor keeps a bounded history (the step's point is
		// overwritten in place, not replaced: no garbage per reading).
		if (last && Math.floor(last.at / step) === Math.floor(at / step)) {
			last.at = at;
			last.cm = cm;
			last.rate = rate;
			last.battery = battery;
		} else series.push({ at, cm, rate, battery });
		const keepFrom = at - Math.max(this.rules.riseWindowMs, this.rules.holdMs);
		// Keep one point at or before the window's start: the state the hold starts from.
		let drop = 0;
		while (drop + 1 < series.length && series[drop + 1]!.at <= keepFrom) drop++;
		if (drop > 0) series.splice(0, drop);
	}

	/**
	 * The points of the last hold time, starting with the last one at or before its
	 * start; null when the history does not reach back that far.
	 */
	private held(series: readonly Point[], at: number): readonly Point[] | null {
		const start = at - this.rules.holdMs;
		let first = -1;
		for (let i = series.length - 1; i >= 0; i--) {
			if (series[i]!.at <= start) {
				first = i;
				break;
			}
		}
		return first < 0 ? null : series.slice(first);
	}

	private track(state: DeviceState, at: number): void {
		const rules = this.rules;
		const t = state.config.thresholds;
		const last = state.series[state.series.length - 1]!;
		if (last.cm !== null) {
			const raw = siagaOf(last.cm, t);
			if (raw !== null) {
				if (raw < state.level) state.level = raw;
				else if (raw > state.level) {
					// Lower to the worst level (with the margin) the water stood at over the hold time.
					const window = this.held(state.series, at);
					if (window && window.every((p) => p.cm !== null)) {
						const released = Math.min(...window.map((p) => siagaOf(p.cm! + rules.levelMarginCm, t)!)) as Siaga;
						if (released > state.level) state.level = released;
					}
				}
			}
			const limit = state.config.riseLimitCmPer10Min;
			if (last.rate !== null && last.rate > limit) state.rising = true;
			else if (state.rising) {
				const window = this.held(state.series, at);
				if (window && window.every((p) => p.rate !== null && p.rate < limit * rules.riseClearFactor)) state.rising = false;
			}
		}
		if (last.battery !== null) {
			if (last.battery < rules.lowBatteryV) state.lowBattery = true;
			else if (state.lowBattery) {
				const window = this.held(state.series, at);
				if (window && window.every((p) => p.battery !== null && p.battery >= rules.batteryOkV)) state.lowBattery = false;
			}
		}
		if (state.skews.length >= rules.minSamples) {
			let skewed = 0;
			for (const skew of state.skews) if (skew) skewed++;
			if (skewed * 2 > state.skews.length) state.staleClock = true;
			else if (skewed === 0) state.staleClock = false;
		}
	}

	private offline(state: DeviceState, now: number): boolean {
		if (state.status === 'offline') return true;
		if (state.config.kind !== 'sensor' || state.lastActivity === null) return false;
		return now - state.lastActivity > this.rules.offlineIntervals * state.config.reportIntervalS * 1000;
	}

	private desired(state: DeviceState, type: EngineAlarmType, now: number): { severity: Severity; siaga: Siaga | null } | null {
		switch (type) {
			case 'flood_level':
				return state.level < 4 ? { severity: severityOfSiaga(state.level), siaga: state.level } : null;
			case 'rate_of_rise':
				return state.rising ? { severity: FIXED_SEVERITY.rate_of_rise, siaga: null } : null;
			case 'sensor_offline':
				return this.offline(state, now) ? { severity: FIXED_SEVERITY.sensor_offline, siaga: null } : null;
			case 'low_battery':
				return state.lowBattery ? { severity: FIXED_SEVERITY.low_battery, siaga: null } : null;
			case 'stale_clock':
				return state.staleClock ? { severity: FIXED_SEVERITY.stale_clock, siaga: null } : null;
		}
	}

	private details(state: DeviceState, type: EngineAlarmType): AlarmDetails {
		const last = state.series[state.series.length - 1];
		switch (type) {
			case 'flood_level':
			case 'rate_of_rise': {
				if (!last || last.cm === null) return {};
				const eta = nextLevelEta(last.cm, last.rate, state.config.thresholds, this.rules);
				return { levelCm: round1(last.cm), ...(last.rate === null ? {} : { risePer10Min: round1(last.rate) }), ...(eta ?? {}) };
			}
			case 'sensor_offline':
				return state.lastActivity === null ? {} : { lastSeenAt: new Date(state.lastActivity).toISOString() };
			case 'low_battery':
				return last?.battery == null ? {} : { batteryV: Math.round(last.battery * 100) / 100 };
			case 'stale_clock':
				return state.lastAt === null ? {} : { lastSeenAt: new Date(state.lastAt).toISOString() };
		}
	}

	/** Compares each condition with the recorded alarm and records the difference. */
	private reconcile(state: DeviceState, at: number, now: number, evidence: boolean): Transition[] {
		const out: Transition[] = [];
		const silenced = state.config.silencedUntil !== null && state.config.silencedUntil > now;
		for (const type of ENGINE_TYPES) {
			const want = this.desired(state, type, now);
			const have = state.recorded.get(type) ?? null;
			let kind: TransitionKind | null = null;
			if (!want) kind = have ? 'clear' : null;
			else if (!have) kind = silenced ? null : 'raise';
			else if (rank(want) < rank(have)) kind = silenced ? null : 'escalate';
			else if (rank(want) > rank(have)) kind = 'lower';
			// A repeat needs new evidence of the condition: a reading (an offline sensor sends none).
			else if (evidence && type !== 'sensor_offline' && at - have.lastSeenAt >= this.rules.repeatEveryMs) kind = 'repeat';
			if (!kind) continue;
			const when = Math.max(at, have?.lastSeenAt ?? at);
			const base = { deviceId: state.config.id, type, kind, at: when, previous: have, details: this.details(state, type) };
			if (kind === 'clear') {
				state.recorded.delete(type);
				out.push({ ...base, severity: have!.severity, siaga: have!.siaga });
				continue;
			}
			const next: AlarmState =
				kind === 'raise'
					? { severity: want!.severity, siaga: want!.siaga, firstSeenAt: when, lastSeenAt: when, count: 1 }
					: { ...have!, severity: want!.severity, siaga: want!.siaga, lastSeenAt: when, count: have!.count + 1 };
			state.recorded.set(type, next);
			out.push({ ...base, severity: next.severity, siaga: next.siaga });
		}
		return out;
	}
}

function push<T>(list: T[], value: T, max: number): void {
	list.push(value);
	if (list.length > max) list.shift();
}
