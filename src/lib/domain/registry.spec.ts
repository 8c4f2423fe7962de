import { describe, expect, it } from 'vitest';
import { ageBand, ageOn, housePlace, parseDate, parseHouseQuery, parseMarital, parseRelation, parseReligion, parseSex, parseStatus, rtLabel, rtNumber } from './registry';

describe('registry vocabularies', () => {
	it('reads the words RT spreadsheets use', () => {
		expect(parseSex('Laki-laki')).toBe('L');
		expect(parseSex(' P ')).toBe('P');
		expect(parseSex('x')).toBeNull();
		expect(parseReligion('Kristen Protestan')).toBe('kristen');
		expect(parseReligion('Katholik')).toBe('katolik');
		expect(parseMarital('Belum Kawin')).toBe('belum_kawin');
		expect(parseMarital('CERAI MATI')).toBe('cerai_mati');
		expect(parseRelation('Kepala Keluarga')).toBe('kepala_keluarga');
		expect(parseRelation('Istri')).toBe('istri');
		expect(parseStatus('Tetap')).toBe('permanent');
		expect(parseStatus('Kontrak')).toBe('temporary');
	});
});

describe('dates and ages', () => {
	it.each([
		['1990-01-31', '1990-01-31'],
		['31-01-1990', '1990-01-31'],
		['31/1/1990', '1990-01-31'],
		['29.02.2000', '2000-02-29'],
		['29-02-1999', null],
		['1990-13-01', null],
		['31/01/90', null],
		['kemarin', null]
	])('%s → %s', (input, expected) => {
		expect(parseDate(input)).toBe(expected);
	});

	it('computes age on a day and its band', () => {
		expect(ageOn('1990-11-24', '2026-11-23')).toBe(35);
		expect(ageOn('1990-11-23', '2026-11-23')).toBe(36);
		expect(ageBand(0)).toBe('0-4');
		expect(ageBand(36)).toBe('35-39');
		expect(ageBand(99)).toBe('75+');
	});
});

describe('parseHouseQuery', () => {
	it('reads a block and a number however they are written', () => {
		for (const typed of ['A1 12', 'A1-12', 'a1/12', 'A1 No. 12', 'Blok A1 no 12']) expect(parseHouseQuery(typed)).toEqual({ block: 'A1', number: '12' });
	});

	it('reads a number alone, with a letter suffix, or a whole block', () => {
		expect(parseHouseQuery('12')).toEqual({ block: null, number: '12' });
		expect(parseHouseQuery('12a')).toEqual({ block: null, number: '12A' });
		expect(parseHouseQuery('blok S5')).toEqual({ block: 'S5', number: null });
		expect(parseHouseQuery(' - / ')).toBeNull();
	});
});

describe('RT numbers and places', () => {
	it('writes RT numbers with three digits, and a household place with its address when there is one', () => {
		expect(rtNumber(2)).toBe('002');
		expect(rtNumber('12')).toBe('012');
		expect(rtLabel(31)).toBe('RT 031');
		expect(housePlace({ rt_number: 2, block: 'B2', house_number: '5' })).toBe('RT 002 · B2 5');
		expect(housePlace({ rt_number: 2, block: 'B2', house_number: '5', address: 'Jl. Melati 5' })).toBe('RT 002 · B2 5 · Jl. Melati 5');
	});
});
