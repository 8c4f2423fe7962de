import { describe, expect, it } from 'vitest';
import type { AlarmView } from '$lib/views/alerts';
import { isNewOrEscalated, mergeAlarm, replaceAlarms } from './alarm-state';

const alarm = (over: Partial<AlarmView> = {}): AlarmView => ({
	id: 'a1', deviceId: 'wl-1', deviceName: 'Sensor', rtId: null, type: 'flood_level', severity: 'minor', siaga: 3,
	firstSeenAt: '2026-12-07T01:00:00.000Z', lastSeenAt: '2026-12-07T01:00:00.000Z', count: 1, clearedAt: null,
	acknowledgedAt: null, acknowledgedByName: null, ackNote: null, details: {}, ...over
});

describe('alarm list on the dashboard', () => {
	it('alerts for a new alarm and for an escalation, not for a repeat or an acknowledged one', () => {
		expect(isNewOrEscalated(undefined, alarm())).toBe(true);
		expect(isNewOrEscalated(alarm(), alarm({ count: 2 }))).toBe(false);
		expect(isNewOrEscalated(alarm(), alarm({ severity: 'major', siaga: 2 }))).toBe(true);
		expect(isNewOrEscalated(alarm({ severity: 'major', siaga: 2 }), alarm({ severity: 'minor', siaga: 3 }))).toBe(false);
		expect(isNewOrEscalated(undefined, alarm({ acknowledgedAt: '2026-12-07T01:01:00.000Z' }))).toBe(false);
		expect(isNewOrEscalated(alarm({ clearedAt: '2026-12-07T00:00:00.000Z' }), alarm())).toBe(true);
	});

	it('sorts by severity then time, and never goes back to an older state of an alarm', () => {
		let { list } = mergeAlarm([], alarm({ id: 'w', severity: 'warning', type: 'low_battery', siaga: null, lastSeenAt: '2026-12-07T02:00:00.000Z' }));
		({ list } = mergeAlarm(list, alarm({ id: 'c', severity: 'critical', siaga: 1 })));
		({ list } = mergeAlarm(list, alarm({ id: 'm', severity: 'warning', type: 'stale_clock', siaga: null, lastSeenAt: '2026-12-07T03:00:00.000Z' })));
		expect(list.map((a) => a.id)).toEqual(['c', 'm', 'w']);
		const acked = alarm({ id: 'c', severity: 'critical', siaga: 1, acknowledgedAt: '2026-12-07T01:05:00.000Z' });
		({ list } = mergeAlarm(list, acked));
		const late = mergeAlarm(list, alarm({ id: 'c', severity: 'critical', siaga: 1 }));
		expect(late.alert).toBe(false);
		expect(late.list.find((a) => a.id === 'c')!.acknowledgedAt).not.toBeNull();
		// Escalated after the acknowledgement (later, acknowledgement dropped by the engine): shown and alerted.
		const escalated = mergeAlarm(late.list, alarm({ id: 'c', severity: 'critical', siaga: 1, lastSeenAt: '2026-12-07T01:10:00.000Z', details: { levelCm: 230 } }));
		expect(escalated.list.find((a) => a.id === 'c')!.acknowledgedAt).toBeNull();
		expect(escalated.alert).toBe(true);
	});

	it('alerts after a catch-up for what became new or worse while disconnected', () => {
		const { alerted } = replaceAlarms([alarm({ id: 'x' })], [alarm({ id: 'x', severity: 'critical', siaga: 1 }), alarm({ id: 'y' }), alarm({ id: 'z', acknowledgedAt: '2026-12-07T01:00:00.000Z' })]);
		expect(alerted).toEqual(['x', 'y']);
	});
});
