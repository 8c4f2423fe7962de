import { describe, expect, it } from 'vitest';
import { nearestSensor, pumpSuggested, trendOf, type SensorPoint } from './water-level';

const t = { siaga3_cm: 100, siaga2_cm: 150, siaga1_cm: 200 };
const sensor = (deviceId: string, rtId: string | null, lat: number | null, lng: number | null): SensorPoint => ({ deviceId, rtId, lat, lng, ...t });

describe('trendOf', () => {
	it('reads rising, falling and steady from the level ~10 minutes before', () => {
		expect(trendOf(120, 100)).toBe('rising');
		expect(trendOf(100, 120)).toBe('falling');
		expect(trendOf(101, 100)).toBe('steady');
		expect(trendOf(102, 100)).toBe('rising');
		expect(trendOf(100, null)).toBeNull();
		expect(trendOf(null, 100)).toBeNull();
	});
});

describe('nearestSensor', () => {
	const a = sensor('a', 'rt1', -6.15, 106.9);
	const b = sensor('b', 'rt2', -6.16, 106.91);
	const c = sensor('c', null, -6.1501, 106.9001);
	it('takes the sensor of the RT itself', () => {
		expect(nearestSensor([a, b, c], 'rt2', { lat: -6.15, lng: 106.9 })?.deviceId).toBe('b');
	});
	it('else the nearest to the RT houses', () => {
		expect(nearestSensor([a, b, c], 'rt9', { lat: -6.1599, lng: 106.9099 })?.deviceId).toBe('b');
		expect(nearestSensor([a, b, c], 'rt9', { lat: -6.1502, lng: 106.9002 })?.deviceId).toBe('c');
	});
	it('else any; none without sensors', () => {
		expect(nearestSensor([sensor('x', null, null, null), b], 'rt9', null)?.deviceId).toBe('x');
		expect(nearestSensor([sensor('x', null, null, null)], 'rt9', { lat: 0, lng: 0 })?.deviceId).toBe('x');
		expect(nearestSensor([], 'rt1', null)).toBeNull();
	});
});

describe('pumpSuggested', () => {
	it('at Siaga 2 or worse in the pump RT, or anywhere for a pump without RT', () => {
		expect(pumpSuggested('rt1', [{ rtId: 'rt1', siaga: 2 }])).toBe(true);
		expect(pumpSuggested('rt1', [{ rtId: 'rt1', siaga: 1 }])).toBe(true);
		expect(pumpSuggested('rt1', [{ rtId: 'rt1', siaga: 3 }])).toBe(false);
		expect(pumpSuggested('rt1', [{ rtId: 'rt2', siaga: 1 }])).toBe(false);
		expect(pumpSuggested(null, [{ rtId: 'rt2', siaga: 2 }])).toBe(true);
		expect(pumpSuggested(null, [{ rtId: null, siaga: null }])).toBe(false);
	});
});
