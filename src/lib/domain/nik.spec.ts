import { describe, expect, it } from 'vitest';
import { checkKk, checkNik, maskId, parseNik } from './nik';

describe('parseNik', () => {
	it('reads region, birth date and sequence of a man', () => {
		expect(parseNik('3175010101900001')).toEqual({
			ok: true,
			parts: { province: '31', regency: '75', district: '01', day: 1, month: 1, year2: 90, sex: 'L', sequence: '0001' }
		});
	});

	it('reads a woman’s birth day as day + 40', () => {
		const parsed = parseNik('3175015512850002');
		expect(parsed.ok && parsed.parts).toMatchObject({ day: 15, month: 12, year2: 85, sex: 'P' });
	});

	it('accepts the digit groups people type', () => {
		expect(parseNik('3175 0101 0190 0001').ok).toBe(true);
		expect(parseNik('3175.0101.0190.0001').ok).toBe(true);
	});

	it.each([
		['', 'required'],
		['317501010190001', 'length'],
		['31750101019000011', 'length'],
		['3175O10101900001', 'digits'],
		['0975010101900001', 'region'], // no province 09
		['3100010101900001', 'region'], // regency 00
		['3175000101900001', 'region'], // district 00
		['3175013201900001', 'birth_date'], // day 32
		['3175017201900001', 'birth_date'], // woman's day 72 → 32
		['3175010113900001', 'birth_date'], // month 13
		['3175013102900001', 'birth_date'], // 31 February
		['3175010101900000', 'sequence']
	])('rejects %j with %s', (nik, error) => {
		expect(parseNik(nik)).toEqual({ ok: false, error });
	});
});

describe('checkNik against the person', () => {
	it('accepts matching birth date and sex', () => {
		expect(checkNik('3175010101900001', { birthDate: '1990-01-01', sex: 'L' })).toBeNull();
		expect(checkNik('3175015512850002', { birthDate: '1985-12-15', sex: 'P' })).toBeNull();
		expect(checkNik('3175016902000003', { birthDate: '2000-02-29', sex: 'P' })).toBeNull();
	});

	it('tells a wrong date from a wrong sex', () => {
		expect(checkNik('3175010101900001', { birthDate: '1990-01-02', sex: 'L' })).toBe('birth_date_mismatch');
		expect(checkNik('3175010101900001', { birthDate: '1991-01-01', sex: 'L' })).toBe('birth_date_mismatch');
		expect(checkNik('3175010101900001', { birthDate: '1990-01-01', sex: 'P' })).toBe('sex_mismatch');
		expect(checkNik('3175014101900001', { birthDate: '1990-01-01', sex: 'L' })).toBe('sex_mismatch');
	});

	it('agrees with the birth date for every day of a year, both sexes', () => {
		for (let t = Date.UTC(1999, 0, 1); t < Date.UTC(2000, 0, 1); t += 86_400_000) {
			const date = new Date(t);
			const [d, m, y] = [date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCFullYear() % 100];
			const iso = date.toISOString().slice(0, 10);
			for (const sex of ['L', 'P'] as const) {
				const dd = String(sex === 'P' ? d + 40 : d).padStart(2, '0');
				const nik = `317501${dd}${String(m).padStart(2, '0')}${String(y).padStart(2, '0')}0042`;
				expect(checkNik(nik, { birthDate: iso, sex })).toBeNull();
				expect(checkNik(nik, { birthDate: iso, sex: sex === 'L' ? 'P' : 'L' })).toBe('sex_mismatch');
			}
		}
	});
});

describe('KK and masking', () => {
	it('validates KK numbers', () => {
		expect(checkKk('3175010203040005')).toBeNull();
		expect(checkKk('317501020304000')).toBe('length');
		expect(checkKk('3175010203040000')).toBe('sequence');
		expect(checkKk('abc')).toBe('digits');
	});

	it('masks all but the first and last four digits', () => {
		expect(maskId('3175014101900001')).toBe('••••••••••••0001');
	});
});
