import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMove, CANCEL_WINDOW_S, isEscalationDue, percentile, residentStatus, STATES, type IncidentState, type Move } from './panic';

const T0 = new Date('2026-12-01T03:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const ctx = (s = 1, byReporter = false) => ({ triggeredAt: T0, now: at(s), byReporter });

describe('panic incident lifecycle', () => {
	it('follows triggered → acknowledged → dispatched → resolved', () => {
		let state: IncidentState = 'triggered';
		for (const move of ['acknowledge', 'dispatch', 'resolve'] as Move[]) {
			const r = applyMove(state, move, ctx());
			expect(r.ok).toBe(true);
			if (r.ok) state = r.to;
		}
		expect(state).toBe('resolved');
	});

	it('closes as a false alarm after acknowledging, with or without a dispatch', () => {
		expect(applyMove('acknowledged', 'false_alarm', ctx())).toEqual({ ok: true, to: 'false_alarm' });
		expect(applyMove('dispatched', 'false_alarm', ctx())).toEqual({ ok: true, to: 'false_alarm' });
		expect(applyMove('acknowledged', 'resolve', ctx())).toEqual({ ok: true, to: 'resolved' });
	});

	it('refuses every move the lifecycle does not have', () => {
		const legal = new Set(['triggered:acknowledge', 'triggered:cancel', 'acknowledged:dispatch', 'acknowledged:resolve', 'acknowledged:false_alarm', 'dispatched:resolve', 'dispatched:false_alarm']);
		const moves: Move[] = ['acknowledge', 'dispatch', 'resolve', 'false_alarm', 'cancel'];
		fc.assert(
			fc.property(fc.constantFrom(...STATES), fc.constantFrom(...moves), (state, move) => {
				const r = applyMove(state, move, ctx(1, true));
				expect(r.ok).toBe(legal.has(`${state}:${move}`));
			})
		);
		// Closed incidents stay closed; nothing skips the acknowledgement.
		expect(applyMove('resolved', 'acknowledge', ctx())).toEqual({ ok: false, reason: 'illegal' });
		expect(applyMove('triggered', 'dispatch', ctx())).toEqual({ ok: false, reason: 'illegal' });
		expect(applyMove('triggered', 'resolve', ctx())).toEqual({ ok: false, reason: 'illegal' });
	});

	it('lets only the reporter cancel, and only within the cancel window', () => {
		expect(applyMove('triggered', 'cancel', ctx(CANCEL_WINDOW_S, true))).toEqual({ ok: true, to: 'cancelled' });
		expect(applyMove('triggered', 'cancel', ctx(CANCEL_WINDOW_S + 1, true))).toEqual({ ok: false, reason: 'cancel_window' });
		expect(applyMove('triggered', 'cancel', ctx(1, false))).toEqual({ ok: false, reason: 'not_reporter' });
		expect(applyMove('acknowledged', 'cancel', ctx(1, true))).toEqual({ ok: false, reason: 'illegal' });
	});
});

describe('escalation', () => {
	it('is due once the time has passed without an acknowledgement, and only once', () => {
		expect(isEscalationDue('triggered', T0, null, at(59), 60)).toBe(false);
		expect(isEscalationDue('triggered', T0, null, at(60), 60)).toBe(true);
		expect(isEscalationDue('triggered', T0, at(60), at(120), 60)).toBe(false);
		expect(isEscalationDue('acknowledged', T0, null, at(120), 60)).toBe(false);
		expect(isEscalationDue('cancelled', T0, null, at(120), 60)).toBe(false);
	});
});

describe('what the resident reads', () => {
	it('names each state in their words', () => {
		expect(STATES.map(residentStatus)).toEqual(['sent', 'received', 'on_the_way', 'done', 'done', 'cancelled']);
	});
});

describe('percentile', () => {
	it('takes the nearest rank', () => {
		expect(percentile([], 50)).toBeNull();
		expect(percentile([30, 10, 20], 50)).toBe(20);
		expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
		expect(percentile([5], 90)).toBe(5);
	});
});
