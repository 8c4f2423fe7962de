import { describe, expect, it } from 'vitest';
import { daily, heldSiaga, hourly, siagaOf } from './flood';

const t = { siaga3_cm: 120, siaga2_cm: 150, siaga1_cm: 200 };

describe('siagaOf', () => {
	it('places a level between the thresholds, each threshold belonging to the higher alert', () => {
		expect(siagaOf(80, t)).toBe(4);
		expect(siagaOf(119.9, t)).toBe(4);
		expect(siagaOf(120, t)).toBe(3);
		expect(siagaOf(150, t)).toBe(2);
		expect(siagaOf(199, t)).toBe(2);
		expect(siagaOf(200, t)).toBe(1);
		expect(siagaOf(340, t)).toBe(1);
	});

	it('says nothing without a reading or without thresholds', () => {
		expect(siagaOf(null, t)).toBeNull();
		expect(siagaOf(150, { ...t, siaga2_cm: null })).toBeNull();
	});
});

describe('heldSiaga', () => {
	const quiet = { alarmSiaga: null, silenced: false };

	it('is normal without an active flood alarm, whatever the last reading (a spike is not a level)', () => {
		expect(heldSiaga(250, t, quiet)).toBe(4);
		expect(heldSiaga(80, t, quiet)).toBe(4);
	});

	it('is the active alarm\'s level, also when the last reading dipped below it', () => {
		expect(heldSiaga(90, t, { alarmSiaga: 2, silenced: false })).toBe(2);
		expect(heldSiaga(null, t, { alarmSiaga: 1, silenced: false })).toBe(1);
	});

	it('is the reading\'s own level while the sensor is silenced (it raises no alarm then)', () => {
		expect(heldSiaga(160, t, { alarmSiaga: null, silenced: true })).toBe(2);
		expect(heldSiaga(90, t, { alarmSiaga: 2, silenced: true })).toBe(4);
	});

	it('says nothing without a reading or thresholds when no alarm is active', () => {
		expect(heldSiaga(null, t, quiet)).toBeNull();
		expect(heldSiaga(150, { ...t, siaga1_cm: null }, quiet)).toBeNull();
	});
});

describe('daily', () => {
	it('groups hours by WIB day: 17:00 UTC is already the next day in Jakarta', () => {
		const p = (at: string, min: number, max: number, avg: number) => ({ at, min_cm: min, max_cm: max, avg_cm: avg, last_cm: avg });
		expect(
			daily([p('2026-11-29T16:00:00Z', 90, 110, 100), p('2026-11-29T17:00:00Z', 95, 130, 120), p('2026-11-30T10:00:00Z', 80, 100, 90)])
		).toEqual([
			{ day: '2026-11-29', min_cm: 90, max_cm: 110, avg_cm: 100 },
			{ day: '2026-11-30', min_cm: 80, max_cm: 130, avg_cm: 105 }
		]);
	});
});

describe('hourly', () => {
	it('sums minutes up per hour, newest hour first', () => {
		const p = (at: string, min: number, max: number, avg: number) => ({ at, min_cm: min, max_cm: max, avg_cm: avg, last_cm: avg });
		expect(hourly([p('2026-11-30T01:58:00Z', 90, 95, 92), p('2026-11-30T02:00:00Z', 96, 99, 97), p('2026-11-30T02:01:00Z', 97, 104, 100)])).toEqual([
			{ at: '2026-11-30T02:00:00Z', min_cm: 96, max_cm: 104, avg_cm: 98.5 },
			{ at: '2026-11-30T01:00:00Z', min_cm: 90, max_cm: 95, avg_cm: 92 }
		]);
	});
});
