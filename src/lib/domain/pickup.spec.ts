import { describe, expect, it } from 'vitest';
import { pickupSlots } from './pickup';

describe('pickupSlots', () => {
	// Monday 23 November 2026, 10:00 WIB = 03:00 UTC.
	const monday10 = new Date('2026-11-23T03:00:00Z');

	it('cuts office hours into slots in WIB, from the lead time on', () => {
		const slots = pickupSlots([{ weekday: 1, start: '09:00', end: '12:00' }], 60, monday10, 1);
		// 09:00 and 10:00 are past or inside the 30-minute lead; 11:00 WIB = 04:00 UTC remains.
		expect(slots.map((s) => s.toISOString())).toEqual(['2026-11-23T04:00:00.000Z']);
	});

	it('only uses the weekdays given and never overruns the period end', () => {
		const slots = pickupSlots([{ weekday: 6, start: '09:00', end: '10:15' }], 30, monday10, 7);
		// Saturday 28 November 09:00 and 09:30 WIB; 10:00 would end at 10:30.
		expect(slots.map((s) => s.toISOString())).toEqual(['2026-11-28T02:00:00.000Z', '2026-11-28T02:30:00.000Z']);
	});

	it('uses the WIB calendar day when UTC is still on the previous day', () => {
		// Sunday 22 Nov 20:00 UTC = Monday 23 Nov 03:00 WIB.
		const slots = pickupSlots([{ weekday: 1, start: '19:00', end: '20:00' }], 60, new Date('2026-11-22T20:00:00Z'), 1);
		expect(slots.map((s) => s.toISOString())).toEqual(['2026-11-23T12:00:00.000Z']);
	});

	it('gives nothing without office hours', () => {
		expect(pickupSlots([], 30, monday10, 14)).toEqual([]);
	});
});
