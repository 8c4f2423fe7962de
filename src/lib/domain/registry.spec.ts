import { describe, expect, it } from 'vitest';
import { isoDay } from './time';
import {
	addDays,
	ageBand,
	ageOn,
	bornOnOrBefore,
	housePlace,
	MUTATION_KINDS,
	mutationProblem,
	normalizeHouseCode,
	parseDate,
	parseHouseAddress,
	parseHouseQuery,
	parseMarital,
	parseRelation,
	parseReligion,
	parseSex,
	parseStatus,
	RESIDENT_STATUSES,
	rtLabel,
	rtNumber,
	statusAfter,
	type MutationSubject
} from './registry';

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

	// Fixed days, never the clock: someone born on 29 February completes a year on
	// 28 February in a common year, and on 29 February in a leap year.
	it.each([
		['2008-02-29', '2026-02-27', 17],
		['2008-02-29', '2026-02-28', 18],
		['2008-02-29', '2026-03-01', 18],
		['2008-02-29', '2028-02-28', 19],
		['2008-02-29', '2028-02-29', 20],
		['2008-02-28', '2028-02-28', 20],
		['2008-03-01', '2028-02-29', 19],
		['2008-03-01', '2028-03-01', 20],
		['2007-02-28', '2025-02-28', 18],
		['1960-02-29', '2020-02-28', 59],
		['1960-02-29', '2021-02-28', 61]
	])('born %s, on %s: %i', (birth, today, age) => {
		expect(ageOn(birth, today)).toBe(age);
	});

	it.each([
		[18, '2026-02-28', '2008-02-29'],
		[18, '2026-02-27', '2008-02-27'],
		[18, '2028-02-29', '2010-02-28'],
		[18, '2027-02-28', '2009-02-28'],
		[60, '2024-02-29', '1964-02-29'],
		[18, '2026-11-23', '2008-11-23']
	])('age %i on %s: born on or before %s', (age, today, latest) => {
		expect(bornOnOrBefore(age, today)).toBe(latest);
	});

	it('the age cut-off agrees with ageOn on every day of seven years, for the ages the filters and bands cut at', () => {
		const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
		const wrong: string[] = [];
		for (let today = '2023-01-01'; today <= '2029-12-31'; today = next(today)) {
			for (const age of [0, 1, 4, 5, 17, 18, 19, 59, 60, 61, 75, 100]) {
				const latest = bornOnOrBefore(age, today);
				const exact = parseDate(latest) === latest && ageOn(latest, today) >= age && ageOn(next(latest), today) < age;
				if (!exact) wrong.push(`${age} on ${today}: ${latest}`);
			}
		}
		expect(wrong).toEqual([]);
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

describe('house codes', () => {
	it('stores a block and a number trimmed and in upper case, so one house has one key', () => {
		expect(normalizeHouseCode(' c7 ')).toBe('C7');
		expect(normalizeHouseCode('21b')).toBe(normalizeHouseCode('21B '));
		expect(normalizeHouseCode('')).toBe('');
	});
});

describe('calendar days', () => {
	it('writes calendar parts as YYYY-MM-DD and adds days across months and leap years', () => {
		expect(isoDay({ year: 2026, month: 3, day: 7 })).toBe('2026-03-07');
		expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
		expect(addDays('2024-01-01', 60)).toBe('2024-03-01');
		expect(addDays('2025-01-01', 60)).toBe('2025-03-02');
	});
});

describe('mutation rules', () => {
	const today = '2026-12-01';
	const living = (over: Partial<MutationSubject> = {}): MutationSubject => ({ status: 'permanent', birthDate: '1980-05-17', lastOccurredOn: null, ...over });

	it('ends everything at death: no second death, no move in, nothing else', () => {
		for (const kind of MUTATION_KINDS) {
			expect(mutationProblem(living({ status: 'died', lastOccurredOn: '2026-11-02' }), kind, '2026-11-20', today)).toEqual({ field: 'kind', message: 'mutation.rule_died' });
		}
	});

	it('after a move out allows only a move in again', () => {
		const moved = living({ status: 'moved', lastOccurredOn: '2026-10-01' });
		for (const kind of MUTATION_KINDS.filter((k) => k !== 'moved_in')) {
			expect(mutationProblem(moved, kind, '2026-11-01', today)).toEqual({ field: 'kind', message: 'mutation.rule_moved' });
		}
		expect(mutationProblem(moved, 'moved_in', '2026-11-01', today)).toBeNull();
	});

	it('lets a resident who lives here move in or be born only as their first recorded event', () => {
		expect(mutationProblem(living(), 'moved_in', '2026-11-01', today)).toBeNull();
		expect(mutationProblem(living({ lastOccurredOn: '2026-11-01' }), 'moved_in', '2026-11-02', today)).toEqual({ field: 'kind', message: 'mutation.rule_already_here' });
		expect(mutationProblem(living({ status: 'temporary', lastOccurredOn: '2026-11-01' }), 'born', '2026-11-02', today)).toEqual({ field: 'kind', message: 'mutation.rule_born_first' });
		for (const kind of ['moved_out', 'died', 'changed_household'] as const) {
			expect(mutationProblem(living({ lastOccurredOn: '2026-11-01' }), kind, '2026-11-02', today)).toBeNull();
		}
	});

	it('records a birth on the birth date or within 60 days after it, never for an adult', () => {
		const baby = living({ birthDate: '2026-10-01' });
		expect(mutationProblem(baby, 'born', '2026-10-01', today)).toBeNull();
		expect(mutationProblem(baby, 'born', '2026-11-30', today)).toBeNull(); // day 60
		expect(mutationProblem(living({ birthDate: '2026-09-30' }), 'born', '2026-11-30', today)).toEqual({ field: 'occurredOn', message: 'mutation.rule_born_date' });
		expect(mutationProblem(living(), 'born', '2026-11-30', today)).toEqual({ field: 'occurredOn', message: 'mutation.rule_born_date' });
	});

	it('keeps every date between the birth date and today (WIB), and after the latest event', () => {
		expect(mutationProblem(living(), 'moved_out', today, today)).toBeNull();
		expect(mutationProblem(living(), 'moved_out', '2026-12-02', today)).toEqual({ field: 'occurredOn', message: 'mutation.rule_future' });
		expect(mutationProblem(living(), 'died', '1980-05-16', today)).toEqual({ field: 'occurredOn', message: 'mutation.rule_before_birth' });
		expect(mutationProblem(living(), 'died', '1980-05-17', today)).toBeNull();
		expect(mutationProblem(living({ lastOccurredOn: '2026-11-10' }), 'moved_out', '2026-11-09', today)).toEqual({ field: 'occurredOn', message: 'mutation.rule_before_last' });
		expect(mutationProblem(living({ lastOccurredOn: '2026-11-10' }), 'moved_out', '2026-11-10', today)).toBeNull();
	});

	it('sets the status an event leads to; an arrival keeps a temporary resident temporary', () => {
		for (const status of RESIDENT_STATUSES) {
			expect(statusAfter('moved_out', status)).toBe('moved');
			expect(statusAfter('died', status)).toBe('died');
		}
		expect(statusAfter('moved_in', 'moved')).toBe('permanent');
		expect(statusAfter('moved_in', 'temporary')).toBe('temporary');
		expect(statusAfter('born', 'permanent')).toBe('permanent');
		expect(statusAfter('changed_household', 'temporary')).toBe('temporary');
	});
});

describe('parseHouseAddress', () => {
	it.each([
		['Blok C9 No. 23', 'C9', '23'],
		['BLOK C9 NO. 23', 'C9', '23'],
		['Blk C9 No 23', 'C9', '23'],
		['Blok C-9 No 23A', 'C9', '23A'],
		['Blok.C9 No.23', 'C9', '23'],
		['blok c9 nomor 23', 'C9', '23'],
		['BlokC9No23', 'C9', '23'],
		['C9/23', 'C9', '23'],
		['C9 / 23 b', 'C9', '23B'],
		['C9 23', 'C9', '23'],
		['Blok A No. 5', 'A', '5'],
		['AA-12, 7', 'AA12', '7']
	])('%s → block %s, number %s', (input, block, number) => {
		expect(parseHouseAddress(input)).toEqual({ block, number });
	});

	it.each(['23', '23A', 'A12', 'No. 23', 'RT 5', 'Jl. Melati No. 5', 'Blok C9', '', 'Gg 3'])('leaves %j alone', (input) => {
		expect(parseHouseAddress(input)).toBeNull();
	});

	it('splits into what the search reads back: "C9 23" finds the house', () => {
		const house = parseHouseAddress('Blok C-9 No. 23')!;
		expect(parseHouseQuery('C9 23')).toEqual(house);
	});
});
