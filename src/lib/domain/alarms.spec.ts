import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlarmEngine, ALARM_RULES, median, nextLevelEta, REBUILD_WINDOW_MS, type AlarmState, type DeviceConfig, type EngineAlarmType, type SensorReading, type Transition } from './alarms';

const T0 = Date.parse('2026-12-01T03:00:00Z');
const MIN = 60_000;
const thresholds = { siaga3_cm: 100, siaga2_cm: 150, siaga1_cm: 200 };
const config = (over: Partial<DeviceConfig> = {}): DeviceConfig => ({
	id: 'wl-1',
	rwId: 'rw',
	rtId: null,
	kind: 'sensor',
	thresholds,
	riseLimitCmPer10Min: 10,
	reportIntervalS: 60,
	silencedUntil: null,
	...over
});
const reading = (i: number, levelCm: number, over: Partial<SensorReading> = {}): SensorReading => ({ at: T0 + i * MIN, levelCm, batteryV: 3.9, clockSkew: false, ...over });

function engineWith(over: Partial<DeviceConfig> = {}) {
	const engine = new AlarmEngine();
	engine.configure(config(over));
	return engine;
}

/** Feeds one reading a minute (the sensor's interval), `now` = the reading's time; returns every transition. */
function feed(engine: AlarmEngine, levels: readonly number[], start = 0, over: Partial<SensorReading> = {}): Transition[] {
	return levels.flatMap((cm, i) => engine.readings('wl-1', [reading(start + i, cm, over)], T0 + (start + i) * MIN).transitions);
}

const brief = (ts: Transition[]) => ts.map((t) => `${t.type}:${t.kind}:${t.siaga ?? t.severity}`);
/** The transitions that change an alarm (repeats left out). */
const changes = (ts: Transition[]) => brief(ts.filter((t) => t.kind !== 'repeat'));

describe('median', () => {
	it('takes the middle value, or the mean of the two middle ones', () => {
		expect(median([5, 1, 3])).toBe(3);
		expect(median([4, 1, 3, 2])).toBe(2.5);
	});
});

describe('flood level', () => {
	it('raises Siaga 3 once the median of the last readings crosses, and escalates at once', () => {
		const engine = engineWith({ riseLimitCmPer10Min: 500 });
		expect(feed(engine, [90, 90, 90, 105, 105])).toEqual([]);
		// The third reading above: the median of the last five is above the threshold.
		const raised = feed(engine, [105], 5);
		expect(brief(raised)).toEqual(['flood_level:raise:3']);
		expect(raised[0]).toMatchObject({ severity: 'minor', at: T0 + 5 * MIN, details: { levelCm: 105 } });
		expect(changes(feed(engine, [160, 160, 160], 6))).toEqual(['flood_level:escalate:2']);
		expect(changes(feed(engine, [210, 210, 210], 9))).toEqual(['flood_level:escalate:1']);
		// count: the raise, two escalations and a repeat each minute in between
		expect(engine.recorded('wl-1', 'flood_level')).toMatchObject({ severity: 'critical', siaga: 1, count: 7, firstSeenAt: T0 + 5 * MIN });
	});

	it('lowers only below the threshold minus the margin held for the hold time, then clears', () => {
		const engine = engineWith();
		feed(engine, [160, 160, 160, 160, 160]);
		expect(engine.recorded('wl-1', 'flood_level')?.siaga).toBe(2);
		// 147 cm is below Siaga 2's 150 but within the 5 cm margin: stays Siaga 2 however long.
		expect(feed(engine, Array(20).fill(147), 5).filter((t) => t.kind !== 'repeat')).toEqual([]);
		// 140 cm: below 150 − 5; lowered after it held 5 minutes.
		const lowered = feed(engine, Array(10).fill(140), 25);
		expect(brief(lowered.filter((t) => t.kind !== 'repeat'))).toEqual(['flood_level:lower:3']);
		expect(lowered.find((t) => t.kind === 'lower')!.at).toBe(T0 + (25 + 2 + 5) * MIN); // the median turned at the 3rd reading, plus the hold
		expect(brief(feed(engine, Array(12).fill(50), 35).filter((t) => t.kind !== 'repeat'))).toEqual(['flood_level:clear:3']);
		expect(engine.recorded('wl-1', 'flood_level')).toBeNull();
	});

	it('repeats (last seen, count) at most once a minute while the level holds', () => {
		const engine = new AlarmEngine();
		engine.configure(config({ reportIntervalS: 10 }));
		const at = (s: number) => T0 + s * 1000;
		const out: Transition[] = [];
		for (let s = 0; s < 180; s += 10) out.push(...engine.readings('wl-1', [{ at: at(s), levelCm: 120, batteryV: 3.9, clockSkew: false }], at(s)).transitions);
		expect(brief(out)).toEqual(['flood_level:raise:3', 'flood_level:repeat:3', 'flood_level:repeat:3']);
		expect(engine.recorded('wl-1', 'flood_level')).toMatchObject({ count: 3, lastSeenAt: at(140) });
	});

	it('estimates the minutes to the next level while the water rises', () => {
		expect(nextLevelEta(120, 10, thresholds)).toEqual({ nextSiaga: 2, etaMinutes: 30 });
		expect(nextLevelEta(80, 20, thresholds)).toEqual({ nextSiaga: 3, etaMinutes: 10 });
		expect(nextLevelEta(120, 0.1, thresholds)).toBeNull();
		expect(nextLevelEta(220, 10, thresholds)).toBeNull();
		const engine = engineWith({ riseLimitCmPer10Min: 50 });
		const levels = Array.from({ length: 15 }, (_, i) => 80 + i * 2); // 20 cm per 10 minutes
		feed(engine, levels);
		expect(engine.level('wl-1')).toMatchObject({ siaga: 3, risePer10Min: 20, nextSiaga: 2, etaMinutes: 23 }); // filtered 104 cm, 46 cm to go at 2 cm a minute
	});
});

describe('rate of rise', () => {
	it('warns above the limit even below Siaga 3, and clears with hysteresis', () => {
		const engine = engineWith({ riseLimitCmPer10Min: 10 });
		const rising = Array.from({ length: 12 }, (_, i) => 20 + i * 2); // 20 cm per 10 min, all below Siaga 3
		const out = feed(engine, rising);
		expect(changes(out)).toEqual(['rate_of_rise:raise:warning']);
		expect(out[0]!.details).toMatchObject({ nextSiaga: 3 });
		// Steady: the rate falls under half the limit; cleared 5 minutes after that held.
		const flat = feed(engine, Array(25).fill(42), 12).filter((t) => t.kind !== 'repeat');
		expect(brief(flat)).toEqual(['rate_of_rise:clear:warning']);
	});
});

describe('restore', () => {
	it('decides on a batch whose readings the restored state already holds (another instance stored them)', () => {
		const engine = engineWith();
		const rows = [60, 60, 120, 120, 120].map((cm, i) => reading(i, cm));
		engine.restore('wl-1', { readings: rows, recorded: {} });
		const { transitions } = engine.readings('wl-1', [rows[4]!], rows[4]!.at);
		expect(brief(transitions)).toEqual(['flood_level:raise:3']);
		expect(transitions[0]!.at).toBe(rows[4]!.at);
	});
});

describe('offline, battery, clock, silence', () => {
	it('raises offline after 3 intervals without a reading or on the last will, and clears on a sign of life', () => {
		const engine = engineWith();
		feed(engine, [50, 50, 50]);
		expect(engine.tick(T0 + 2 * MIN + 3 * MIN)).toEqual([]);
		const off = engine.tick(T0 + 2 * MIN + 3 * MIN + 1000);
		expect(brief(off)).toEqual(['sensor_offline:raise:major']);
		expect(off[0]!.details.lastSeenAt).toBe(new Date(T0 + 2 * MIN).toISOString());
		expect(engine.tick(T0 + 20 * MIN)).toEqual([]); // no repeat from the timer
		expect(brief(feed(engine, [50], 21))).toEqual(['sensor_offline:clear:major']);
		expect(brief(engine.status('wl-1', 'offline', T0 + 22 * MIN, T0 + 22 * MIN))).toEqual(['sensor_offline:raise:major']);
		expect(brief(engine.status('wl-1', 'online', T0 + 23 * MIN, T0 + 23 * MIN))).toEqual(['sensor_offline:clear:major']);
	});

	it('warns of a low battery on the median, clears at 3.5 V held', () => {
		const engine = engineWith();
		expect(feed(engine, [50, 50], 0, { batteryV: 3.3 })).toEqual([]);
		expect(brief(feed(engine, [50], 2, { batteryV: 3.3 }))).toEqual(['low_battery:raise:warning']);
		expect(feed(engine, Array(10).fill(50), 3, { batteryV: 3.45 }).filter((t) => t.kind !== 'repeat')).toEqual([]);
		expect(brief(feed(engine, Array(10).fill(50), 13, { batteryV: 3.6 }).filter((t) => t.kind !== 'repeat'))).toEqual(['low_battery:clear:warning']);
	});

	it('warns of a stale clock when most readings carried a distrusted time', () => {
		const engine = engineWith();
		feed(engine, [50, 50], 0, { clockSkew: true });
		expect(brief(feed(engine, [50], 2, { clockSkew: true }))).toEqual(['stale_clock:raise:warning']);
		expect(feed(engine, [50, 50, 50, 50], 3).filter((t) => t.kind !== 'repeat')).toEqual([]);
		expect(brief(feed(engine, [50], 7))).toEqual(['stale_clock:clear:warning']);
	});

	it('raises nothing while silenced, tracks the state, and raises what still holds when the silence ends', () => {
		const engine = engineWith({ silencedUntil: T0 + 30 * MIN, reportIntervalS: 3600 });
		expect(feed(engine, Array(10).fill(160))).toEqual([]);
		expect(engine.level('wl-1')?.siaga).toBe(2);
		expect(engine.tick(T0 + 29 * MIN)).toEqual([]);
		expect(brief(engine.tick(T0 + 31 * MIN))).toEqual(['flood_level:raise:2']);
	});
});

// ---- properties ----------------------------------------------------------------------

/** Readings one a minute from `levels`. */
function run(levels: readonly number[], over: Partial<DeviceConfig> = {}) {
	const engine = engineWith(over);
	return { engine, transitions: feed(engine, levels) };
}

const noisy = (base: number, amplitude: number, length: number) => fc.array(fc.double({ min: -amplitude, max: amplitude, noNaN: true }), { minLength: length, maxLength: length }).map((noise) => noise.map((n) => base + n));

describe('properties', () => {
	it('no flapping: bounded noise around a threshold raises at most once and never lowers or clears', () => {
		fc.assert(
			fc.property(fc.constantFrom(100, 150, 200), fc.double({ min: 0, max: ALARM_RULES.levelMarginCm - 0.01, noNaN: true }), fc.integer({ min: 20, max: 120 }), fc.nat(), (threshold, amplitude, length, seed) => {
				const levels = fc.sample(noisy(threshold, amplitude, length), { seed, numRuns: 1 })[0]!;
				const flood = run(levels, { riseLimitCmPer10Min: 500 }).transitions.filter((t) => t.type === 'flood_level' && t.kind !== 'repeat');
				expect(flood.filter((t) => t.kind === 'raise').length).toBeLessThanOrEqual(1);
				expect(flood.filter((t) => t.kind === 'lower' || t.kind === 'clear')).toEqual([]);
			}),
			{ numRuns: 200 }
		);
	});

	it('no flapping of the rate warning: noise of ±2 cm on steady water raises nothing', () => {
		fc.assert(
			fc.property(fc.constantFrom(40, 100, 150), fc.integer({ min: 20, max: 120 }), fc.nat(), (base, length, seed) => {
				const levels = fc.sample(noisy(base, 2, length), { seed, numRuns: 1 })[0]!;
				expect(run(levels).transitions.filter((t) => t.type === 'rate_of_rise')).toEqual([]);
			}),
			{ numRuns: 200 }
		);
	});

	it('monotone response to a steady rise: raise, then escalations only, Siaga never better, reaching the level of the water', () => {
		fc.assert(
			fc.property(fc.double({ min: 0.5, max: 30, noNaN: true }), fc.double({ min: 0, max: 90, noNaN: true }), (cmPerMinute, start) => {
				const levels = Array.from({ length: Math.ceil((260 - start) / cmPerMinute) + 6 }, (_, i) => start + i * cmPerMinute);
				const { engine, transitions } = run(levels);
				const flood = transitions.filter((t) => t.type === 'flood_level' && t.kind !== 'repeat');
				expect(flood[0]?.kind).toBe('raise');
				expect(flood.slice(1).every((t) => t.kind === 'escalate')).toBe(true);
				for (let i = 1; i < flood.length; i++) expect(flood[i]!.siaga!).toBeLessThan(flood[i - 1]!.siaga!);
				expect(transitions.some((t) => t.kind === 'lower' || t.kind === 'clear')).toBe(false);
				expect(engine.recorded('wl-1', 'flood_level')?.siaga).toBe(1);
				// Raised no later than the third reading at or above Siaga 3 (the median of five).
				const third = levels.findIndex((cm) => cm >= 100) + 2;
				expect(flood[0]!.at).toBeLessThanOrEqual(T0 + third * MIN);
			}),
			{ numRuns: 200 }
		);
	});

	it('a single spike never raises, whatever its height and place', () => {
		fc.assert(
			fc.property(fc.integer({ min: 6, max: 60 }), fc.nat(), fc.double({ min: 100, max: 1000, noNaN: true }), fc.nat(), (length, at, height, seed) => {
				const levels = fc.sample(noisy(60, 2, length), { seed, numRuns: 1 })[0]!;
				levels[at % length] = height;
				expect(run(levels).transitions).toEqual([]);
			}),
			{ numRuns: 300 }
		);
	});

	it('a restart from the rebuilt state re-fires nothing: the rest of the run is the same as without the restart', () => {
		const walk = fc.array(fc.double({ min: -12, max: 12, noNaN: true }), { minLength: 30, maxLength: 150 });
		fc.assert(
			fc.property(walk, fc.double({ min: 60, max: 190, noNaN: true }), fc.nat(), fc.boolean(), (steps, start, cut, lowBattery) => {
				const levels: number[] = [];
				let cm = start;
				for (const s of steps) levels.push((cm = Math.max(0, Math.min(300, cm + s))));
				const split = 10 + (cut % (levels.length - 10));
				const rows = levels.map((l, i) => reading(i, l, { batteryV: lowBattery ? 3.3 + (i % 4) * 0.05 : 3.9 }));
				const live = (engine: AlarmEngine, from: number, to: number) =>
					rows.slice(from, to).flatMap((r) => engine.readings('wl-1', [r], r.at).transitions);
				const whole = engineWith();
				live(whole, 0, split);
				const recorded: Partial<Record<EngineAlarmType, AlarmState>> = {};
				for (const type of ['flood_level', 'rate_of_rise', 'sensor_offline', 'low_battery', 'stale_clock'] as const) {
					const r = whole.recorded('wl-1', type);
					if (r) recorded[type] = r;
				}
				const expected = live(whole, split, rows.length);
				// A new process: what the database holds (active alarms, the last 30 minutes of readings).
				const restarted = engineWith();
				const lastAt = rows[split - 1]!.at;
				restarted.restore('wl-1', { readings: rows.slice(0, split).filter((r) => r.at > lastAt - REBUILD_WINDOW_MS), recorded, status: 'online' });
				expect(live(restarted, split, rows.length)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});
});
