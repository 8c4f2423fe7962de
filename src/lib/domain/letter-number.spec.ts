import { describe, expect, it } from 'vitest';
import {
	DEFAULT_NUMBER_FORMAT,
	formatIndonesianDate,
	formatLetterNumber,
	numberFormatProblem,
	registerPeriod,
	toRoman
} from './letter-number';
import { formatDate } from './time';

const parts = { seq: 14, kind: 'SP', rw: 'RW012', month: 11, year: 2026 };

describe('toRoman', () => {
	it.each([
		[1, 'I'], [2, 'II'], [3, 'III'], [4, 'IV'], [5, 'V'], [6, 'VI'],
		[7, 'VII'], [8, 'VIII'], [9, 'IX'], [10, 'X'], [11, 'XI'], [12, 'XII']
	])('month %i is %s', (month, roman) => {
		expect(toRoman(month)).toBe(roman);
	});

	it.each([0, 13, -1, 1.5, Number.NaN])('rejects %s', (month) => {
		expect(() => toRoman(month)).toThrow(RangeError);
	});
});

describe('formatLetterNumber', () => {
	it('fills the default format (docs/domain.md example)', () => {
		expect(formatLetterNumber(DEFAULT_NUMBER_FORMAT, parts)).toBe('014/SP/RW012/XI/2026');
	});

	it('pads the sequence to the given width and never truncates it', () => {
		const f = '{seq:03}/{year}';
		expect(formatLetterNumber(f, { ...parts, seq: 1 })).toBe('001/2026');
		expect(formatLetterNumber(f, { ...parts, seq: 999 })).toBe('999/2026');
		expect(formatLetterNumber(f, { ...parts, seq: 1000 })).toBe('1000/2026');
		expect(formatLetterNumber('{seq:5}-{year}', { ...parts, seq: 42 })).toBe('00042-2026');
		expect(formatLetterNumber('{seq}-{year}', { ...parts, seq: 7 })).toBe('7-2026');
	});

	it('pads every sequence to the same width up to the width limit', () => {
		for (let seq = 1; seq <= 2000; seq++) {
			const [head = ''] = formatLetterNumber('{seq:03}/{year}', { ...parts, seq }).split('/');
			expect(Number(head)).toBe(seq);
			expect(head.length).toBe(Math.max(3, String(seq).length));
		}
	});

	it('offers three month styles', () => {
		const f = '{seq}.{month}.{month:02}.{month:roman}.{year}';
		expect(formatLetterNumber(f, { ...parts, month: 3 })).toBe('14.3.03.III.2026');
		expect(formatLetterNumber(f, { ...parts, month: 12 })).toBe('14.12.12.XII.2026');
	});

	it('keeps literal text and repeated placeholders', () => {
		expect(formatLetterNumber('No {seq:02} - {kind} - {kind}_{year}', parts)).toBe('No 14 - SP - SP_2026');
	});

	it('treats an invalid format or part as a bug', () => {
		expect(() => formatLetterNumber('{seq}', parts)).toThrow(RangeError);
		expect(() => formatLetterNumber(DEFAULT_NUMBER_FORMAT, { ...parts, seq: 0 })).toThrow(RangeError);
		expect(() => formatLetterNumber(DEFAULT_NUMBER_FORMAT, { ...parts, seq: 2.5 })).toThrow(RangeError);
		expect(() => formatLetterNumber(DEFAULT_NUMBER_FORMAT, { ...parts, month: 13 })).toThrow(RangeError);
		expect(() => formatLetterNumber(DEFAULT_NUMBER_FORMAT, { ...parts, year: 0 })).toThrow(RangeError);
	});
});

describe('numberFormatProblem', () => {
	it.each([
		DEFAULT_NUMBER_FORMAT,
		'{seq}/{year}',
		'{seq:4}.{kind}.{rw}.{month:02}.{year}',
		'RW 012/{seq:03}/{month}/{year}',
		'{year}_{seq}'
	])('accepts %s', (format) => {
		expect(numberFormatProblem(format)).toBeNull();
	});

	it.each([
		['', 'format.empty'],
		['   ', 'format.empty'],
		[`{seq}/{year}/${'x'.repeat(80)}`, 'format.too_long'],
		['{kind}/{year}', 'format.needs_seq'],
		['{seq:03}/{kind}/{month:roman}', 'format.needs_year'],
		['{seq}/{year}/{nik}', 'format.unknown_placeholder'],
		['{seq:abc}/{year}', 'format.unknown_placeholder'],
		['{seq:123}/{year}', 'format.unknown_placeholder'],
		['{seq}/{month:03}/{year}', 'format.unknown_placeholder'],
		['{SEQ}/{year}', 'format.unknown_placeholder'],
		['{}/{seq}/{year}', 'format.unknown_placeholder'],
		['{seq}/{year}<b>', 'format.bad_chars'],
		['{seq}:{year}', 'format.bad_chars'],
		['{seq}/{year}}', 'format.bad_chars'],
		['{{seq}}/{year}', 'format.bad_chars'],
		['{seq}/{year}\n', 'format.bad_chars']
	])('rejects %j with %s', (format, problem) => {
		expect(numberFormatProblem(format)).toBe(problem);
	});

	it('allows exactly 80 characters', () => {
		const base = '{seq}/{year}/';
		expect(numberFormatProblem(base + 'x'.repeat(80 - base.length))).toBeNull();
		expect(numberFormatProblem(base + 'x'.repeat(81 - base.length))).toBe('format.too_long');
	});
});

describe('registerPeriod', () => {
	it('rolls over to the new year at WIB midnight, not UTC midnight', () => {
		// 2026-12-31 16:59:59 UTC is 23:59:59 WIB: still December 2026.
		expect(registerPeriod(new Date('2026-12-31T16:59:59.999Z'))).toEqual({ year: 2026, month: 12 });
		// 17:00 UTC is 00:00 WIB on 1 January 2027.
		expect(registerPeriod(new Date('2026-12-31T17:00:00Z'))).toEqual({ year: 2027, month: 1 });
		expect(registerPeriod(new Date('2026-12-31T17:30:00Z'))).toEqual({ year: 2027, month: 1 });
	});

	it('changes month at WIB midnight', () => {
		expect(registerPeriod(new Date('2026-10-31T16:59:59Z'))).toEqual({ year: 2026, month: 10 });
		expect(registerPeriod(new Date('2026-10-31T17:00:00Z'))).toEqual({ year: 2026, month: 11 });
	});
});

describe('formatIndonesianDate', () => {
	it('shows the WIB calendar date with Indonesian month names', () => {
		expect(formatIndonesianDate(new Date('2026-11-23T03:00:00Z'))).toBe('23 November 2026');
		expect(formatIndonesianDate(new Date('2026-12-31T17:30:00Z'))).toBe('1 Januari 2027');
		expect(formatIndonesianDate(new Date('2026-12-31T16:59:00Z'))).toBe('31 Desember 2026');
	});

	it('agrees with the screen format of time.ts for every month', () => {
		for (let month = 0; month < 12; month++) {
			const at = new Date(Date.UTC(2026, month, 15, 5));
			expect(formatIndonesianDate(at)).toBe(formatDate(at, 'id'));
		}
	});
});
