import { describe, expect, it } from 'vitest';
import { householdSchema, parseRt, residentFiltersSchema, residentSchema } from './registry';

// A valid man born 1980-05-17 in region 317206, and his KK.
const NIK = '3172061705800001';
const person = {
	nik: NIK,
	name: 'Budi Santoso',
	birth_date: '1980-05-17',
	sex: 'L',
	relation: 'kepala_keluarga'
};
const house = { kk: '3172060101200001', rt: '1', house_number: '7' };

/** Each failing field with its message, in schema order. */
function errorsOf(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
	return result.success ? [] : result.error!.issues.map((i) => [String(i.path[0]), i.message]);
}

describe('residentSchema: every error of a row at once', () => {
	it('accepts a valid resident', () => {
		expect(residentSchema.safeParse(person).success).toBe(true);
	});

	it.each([
		['15 digits', '317206170580001', 'errors.nik_length'],
		['a letter', '31720617058O0001', 'errors.nik_digits'],
		['region 00', '0072061705800001', 'errors.nik_region'],
		['no date in digits 7–12', '3172063205800001', 'errors.nik_birth_date'],
		['sequence 0000', '3172061705800000', 'errors.nik_sequence']
	])('reports a NIK with %s next to a bad phone and a bad religion', (_, nik, message) => {
		const result = residentSchema.safeParse({ ...person, nik, phone: '12', religion: 'Jedi' });
		expect(errorsOf(result)).toEqual([
			['nik', message],
			['religion', 'errors.invalid_choice'],
			['phone', 'errors.phone_invalid']
		]);
	});

	it('reports a NIK that does not match the birth date even when another field fails', () => {
		const result = residentSchema.safeParse({ ...person, birth_date: '1980-05-18', phone: 'abc', relation: '' });
		expect(errorsOf(result)).toEqual([
			['relation', 'errors.required'],
			['phone', 'errors.phone_invalid'],
			['nik', 'errors.nik_birth_date_mismatch']
		]);
	});

	it('reports a NIK without the +40 of a woman next to a too long name', () => {
		const result = residentSchema.safeParse({ ...person, sex: 'Perempuan', name: 'x'.repeat(101) });
		expect(errorsOf(result)).toEqual([
			['name', 'errors.too_long'],
			['nik', 'errors.nik_sex_mismatch']
		]);
	});

	it('does not compare the NIK with a birth date or sex that did not parse', () => {
		expect(errorsOf(residentSchema.safeParse({ ...person, birth_date: '31-02-1980' }))).toEqual([['birth_date', 'errors.date_invalid']]);
		expect(errorsOf(residentSchema.safeParse({ ...person, sex: '' }))).toEqual([['sex', 'errors.required']]);
		expect(errorsOf(residentSchema.safeParse({ ...person, sex: 'X' }))).toEqual([['sex', 'errors.invalid_choice']]);
	});

	it('reports one NIK error, the format one, when the NIK is malformed and the date differs too', () => {
		const result = residentSchema.safeParse({ ...person, nik: '317206170580001', birth_date: '1990-01-01' });
		expect(errorsOf(result)).toEqual([['nik', 'errors.nik_length']]);
	});
});

describe('householdSchema', () => {
	it('reports a bad KK and an empty house number together', () => {
		expect(errorsOf(householdSchema.safeParse({ ...house, kk: '3172060101200000', house_number: ' ' }))).toEqual([
			['kk', 'errors.kk_sequence'],
			['house_number', 'errors.required']
		]);
	});

	it.each([
		['1', 1],
		['001', 1],
		['RT 001', 1],
		['RT.01', 1],
		['rt. 3', 3],
		['RT 1', 1],
		['RT01', 1],
		['RT: 12', 12],
		['RT-02', 2],
		['01/05', 1],
		['3 / 5', 3],
		['RT 01/RW 05', 1],
		['RT 001 RW 005', 1],
		['rt 2, rw 5', 2],
		['000', 0],
		['1000', 1000]
	])('reads the RT written as %j', (written, rt) => {
		expect(parseRt(written)).toBe(rt);
	});

	it.each(['', 'satu', 'RW 05', '1-2', '1.5', 'RT', '01/', '/05', 'RT 1 2'])('does not read %j as an RT', (written) => {
		expect(parseRt(written)).toBeNull();
	});

	it.each([
		['RT 003', 3],
		['02/05', 2],
		[' 7 ', 7]
	])('accepts the RT cell %j', (rt, number) => {
		const result = householdSchema.safeParse({ ...house, rt });
		expect(result.success && result.data.rt).toBe(number);
	});

	it.each([
		['Blok C9 No. 23', '', 'C9', '23'],
		['Blok C-9 No 23A', '', 'C9', '23A'],
		['C9/23', 'c9', 'C9', '23'],
		['Blk C9 Nomor 23', 'C-9', 'C9', '23'],
		['23', 'C9', 'C9', '23'],
		['12A', '', '', '12A']
	])('splits the house number %j (block %j) into block %s and number %s', (house_number, block, expectedBlock, expectedNumber) => {
		const result = householdSchema.safeParse({ ...house, block, house_number });
		expect(result.success && [result.data.block, result.data.house_number]).toEqual([expectedBlock, expectedNumber]);
	});

	it('refuses an address naming another block than the block column, and a long house number', () => {
		expect(errorsOf(householdSchema.safeParse({ ...house, block: 'D1', house_number: 'Blok C9 No. 23' }))).toEqual([['house_number', 'errors.house_block_conflict']]);
		expect(errorsOf(householdSchema.safeParse({ ...house, house_number: 'Jalan Melati Raya 1234' }))).toEqual([['house_number', 'errors.too_long']]);
	});

	it.each([
		['an empty cell', '', 'errors.required'],
		['a blank cell', '   ', 'errors.required'],
		['a missing column', undefined, 'errors.required'],
		['a word', 'Melati', 'errors.rt_unreadable'],
		['RT 0', 'RT 000', 'errors.unknown_rt'],
		['a four-digit RT', '1000', 'errors.unknown_rt']
	])('explains %s in the RT column', (_, rt, message) => {
		expect(errorsOf(householdSchema.safeParse({ ...house, rt }))).toEqual([['rt', message]]);
	});
});

describe('residentFiltersSchema', () => {
	it('refuses a crafted search word (too long, control characters) instead of passing it on', () => {
		expect(residentFiltersSchema.safeParse({ q: 'a'.repeat(5000) }).success).toBe(false);
		expect(residentFiltersSchema.safeParse({ q: 'si\u0000ti' }).success).toBe(false);
		expect(residentFiltersSchema.safeParse({ house: 'A1\u000012' }).success).toBe(false);
		expect(residentFiltersSchema.safeParse({ house: 'x'.repeat(31) }).success).toBe(false);
	});

	it('keeps what the form sends, and ignores filters it does not know', () => {
		expect(residentFiltersSchema.parse({ q: ' sit han ', house: 'A1 12', rt: '2', page: 'x' })).toMatchObject({ q: 'sit han', house: 'A1 12', rt: 2, page: 1 });
		expect(residentFiltersSchema.parse({ q: '', rt: 'abc' })).toMatchObject({ q: undefined, rt: undefined });
	});
});
