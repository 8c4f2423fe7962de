import { describe, expect, it } from 'vitest';
import { formatDate, formatDateInput, formatDateTime, formatTime, wibParts } from './time';

describe('WIB formatting', () => {
	// 2026-11-23 16:05 UTC is 23:05 WIB the same day.
	const instant = new Date('2026-11-23T16:05:00Z');

	it('shows dates in Indonesian with WIB', () => {
		expect(formatDate(instant)).toBe('23 November 2026');
		expect(formatTime(instant)).toBe('23.05 WIB');
		expect(formatDateTime(instant)).toMatch(/^23 November 2026.*23\.05 WIB$/);
	});

	it('crosses midnight by WIB, not UTC', () => {
		const lateUtc = new Date('2026-12-31T17:30:00Z'); // 00:30 WIB on 1 January 2027
		expect(formatDate(lateUtc)).toBe('1 Januari 2027');
		expect(wibParts(lateUtc)).toEqual({ year: 2027, month: 1, day: 1 });
		expect(formatDate(lateUtc, 'en')).toBe('1 January 2027');
	});
});

describe('calendar dates', () => {
	it('writes a YYYY-MM-DD date exactly as Intl would, in both languages', () => {
		// One formatter per language, made once: making one costs far more than using it.
		const intl = (locale: 'id' | 'en') =>
			new Intl.DateTimeFormat(locale === 'id' ? 'id-ID' : 'en-GB', { timeZone: 'Asia/Jakarta', day: 'numeric', month: 'long', year: 'numeric' });
		const id = intl('id');
		const en = intl('en');
		for (let day = Date.UTC(1930, 0, 1); day < Date.UTC(2031, 0, 1); day += 17 * 86_400_000) {
			const iso = new Date(day).toISOString().slice(0, 10);
			expect(formatDate(iso)).toBe(id.format(new Date(iso)));
			expect(formatDate(iso, 'en')).toBe(en.format(new Date(iso)));
		}
		expect(formatDate('1980-03-02')).toBe('2 Maret 1980');
	});
});

describe('dates as typed', () => {
	it('formats a calendar date and shows anything else as written', () => {
		expect(formatDateInput('2026-11-02')).toBe('2 November 2026');
		expect(formatDateInput('kemarin sore')).toBe('kemarin sore');
		expect(formatDateInput('2026-13-45')).toBe('2026-13-45');
	});
});
