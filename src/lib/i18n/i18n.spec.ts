import { describe, expect, it } from 'vitest';
import { en } from './en';
import { id } from './id';
import { isMessageKey, translate } from './index';
import {
	MARITAL_STATUSES,
	parseMarital,
	parseRelation,
	parseReligion,
	parseStatus,
	RELATIONS,
	RELIGIONS,
	RESIDENT_STATUSES
} from '$lib/domain/registry';

describe('i18n', () => {
	it('has every key in both languages, none empty', () => {
		expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort());
		for (const [key, value] of [...Object.entries(id), ...Object.entries(en)]) {
			expect(value.trim(), key).not.toBe('');
		}
	});

	it('fills {name} from name_<locale> when the param has it (a stored name in both languages)', () => {
		const params = { title: 'Got', category: 'Saluran air', category_en: 'Blocked drain' };
		expect(translate('en', 'notify.complaint.new', params)).toBe('New complaint: Got (Blocked drain)');
		expect(translate('id', 'notify.complaint.new', params)).toBe('Pengaduan baru: Got (Saluran air)');
		// Written before the English name was stored, or without one: the Indonesian name.
		expect(translate('en', 'notify.complaint.new', { title: 'Got', category: 'Saluran air' })).toBe('New complaint: Got (Saluran air)');
		expect(translate('en', 'notify.complaint.new', { title: 'Got', category: 'Saluran air', category_en: '' })).toBe('New complaint: Got (Saluran air)');
	});

	it('uses the same placeholders in both languages', () => {
		const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
		for (const key of Object.keys(id) as (keyof typeof id)[]) {
			expect(names(en[key]), key).toEqual(names(id[key]));
		}
	});

	it('fills placeholders and falls back to the key', () => {
		expect(translate('id', 'login.locked', { minutes: 15 })).toBe('Terlalu banyak percobaan. Coba lagi dalam 15 menit.');
		expect(translate('en', 'landing.rts', { count: 5 })).toBe('5 RTs');
		expect(translate('id', 'no.such.key')).toBe('no.such.key');
		// A placeholder without its value stays visible rather than becoming "undefined".
		expect(translate('en', 'landing.rts')).toBe('{count} RTs');
	});

	it('treats names of Object.prototype as unknown keys, not as messages', () => {
		expect(translate('id', 'toString')).toBe('toString');
		expect(translate('en', 'constructor')).toBe('constructor');
		expect(isMessageKey('hasOwnProperty')).toBe(false);
		expect(isMessageKey('login.locked')).toBe(true);
	});

	it('writes registry words that the import reads back as the same codes (the XLSX export round-trips)', () => {
		const vocabularies = [
			['relation', RELATIONS, parseRelation],
			['religion', RELIGIONS, parseReligion],
			['marital', MARITAL_STATUSES, parseMarital],
			['status', RESIDENT_STATUSES, parseStatus]
		] as const;
		for (const [prefix, codes, parse] of vocabularies) {
			for (const code of codes) expect((parse as (s: string) => string | null)(translate('id', `${prefix}.${code}`))).toBe(code);
		}
	});
});
