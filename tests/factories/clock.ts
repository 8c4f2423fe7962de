import { vi } from 'vitest';

/**
 * The tests' fixed "now": Tuesday 1 December 2026, 10:00 WIB. Dates in tests are
 * written relative to it, so they mean the same whenever the suite runs.
 */
export const TEST_NOW = new Date('2026-12-01T03:00:00Z');

/**
 * Makes `Date` (and `Date.now()`) in this test process read `at`; timers stay real, so
 * waits on events still work. The database keeps its own clock (`now()` in SQL).
 * Undo with `vi.useRealTimers()` (afterEach).
 */
export function fixClock(at: Date | string = TEST_NOW): void {
	vi.useFakeTimers({ toFake: ['Date'] });
	vi.setSystemTime(new Date(at));
}
