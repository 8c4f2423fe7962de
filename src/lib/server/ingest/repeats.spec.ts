import { describe, expect, it } from 'vitest';
import { repeatsInside } from './ingest';
import type { ReadingRow } from './writer';

const row = (deviceId: string, seq: number, boot = 0): ReadingRow => ({
	deviceId, rwId: '00000000-0000-0000-0000-000000000001', boot, seq, ts: new Date(0), levelCm: 1, distanceCm: null, batteryV: null, clockSkew: false
});

describe('repeatsInside', () => {
	it('finds none when each device counts up, interleaved', () => {
		expect(repeatsInside([row('a', 1), row('b', 1), row('a', 2), row('b', 2)])).toBe(false);
		expect(repeatsInside([])).toBe(false);
	});

	it('finds none when a device goes back without repeating, or restarts with a new boot', () => {
		expect(repeatsInside([row('a', 5), row('a', 3), row('a', 4)])).toBe(false);
		expect(repeatsInside([row('a', 5, 1), row('a', 5, 2), row('a', 1, 2)])).toBe(false);
	});

	it('finds a repeat next to its first copy or far from it', () => {
		expect(repeatsInside([row('a', 1), row('a', 1)])).toBe(true);
		expect(repeatsInside([row('a', 1), row('b', 7), row('a', 2), row('a', 3), row('b', 8), row('a', 1)])).toBe(true);
		expect(repeatsInside([row('a', 4, 1), row('a', 9, 2), row('a', 4, 1)])).toBe(true);
	});
});
