/** Population registry vocabularies (the fields of the Indonesian KK). */
export const RELIGIONS = ['islam', 'kristen', 'katolik', 'hindu', 'buddha', 'konghucu', 'kepercayaan'] as const;
export const MARITAL_STATUSES = ['belum_kawin', 'kawin', 'cerai_hidup', 'cerai_mati'] as const;
/** SHDK: status hubungan dalam keluarga. */
export const RELATIONS = ['kepala_keluarga', 'suami', 'istri', 'anak', 'menantu', 'cucu', 'orang_tua', 'mertua', 'famili_lain', 'lainnya'] as const;
export const RESIDENT_STATUSES = ['permanent', 'temporary', 'moved', 'died'] as const;
export const OCCUPANCIES = ['owner', 'rented', 'empty'] as const;
export const SEXES = ['L', 'P'] as const;

export type Religion = (typeof RELIGIONS)[number];
export type MaritalStatus = (typeof MARITAL_STATUSES)[number];
export type Relation = (typeof RELATIONS)[number];
export type ResidentStatus = (typeof RESIDENT_STATUSES)[number];

const key = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

function lookup<T extends string>(table: Record<string, T>, input: string): T | null {
	return table[key(input)] ?? null;
}

const SEX_WORDS: Record<string, 'L' | 'P'> = {
	l: 'L', lk: 'L', laki: 'L', lakilaki: 'L', pria: 'L', m: 'L', male: 'L',
	p: 'P', pr: 'P', perempuan: 'P', wanita: 'P', f: 'P', female: 'P'
};
const RELIGION_WORDS: Record<string, Religion> = {
	islam: 'islam', kristen: 'kristen', protestan: 'kristen', kristenprotestan: 'kristen',
	katolik: 'katolik', katholik: 'katolik', kristenkatolik: 'katolik', hindu: 'hindu',
	buddha: 'buddha', budha: 'buddha', konghucu: 'konghucu', khonghucu: 'konghucu',
	kepercayaan: 'kepercayaan', kepercayaanterhadaptuhanyme: 'kepercayaan'
};
const MARITAL_WORDS: Record<string, MaritalStatus> = {
	belumkawin: 'belum_kawin', belummenikah: 'belum_kawin', lajang: 'belum_kawin', single: 'belum_kawin',
	kawin: 'kawin', menikah: 'kawin', married: 'kawin', kawintercatat: 'kawin', kawinbelumtercatat: 'kawin',
	ceraihidup: 'cerai_hidup', divorced: 'cerai_hidup', ceraimati: 'cerai_mati', widowed: 'cerai_mati'
};
const RELATION_WORDS: Record<string, Relation> = {
	kepalakeluarga: 'kepala_keluarga', kk: 'kepala_keluarga', kepala: 'kepala_keluarga', head: 'kepala_keluarga',
	suami: 'suami', istri: 'istri', isteri: 'istri', anak: 'anak', menantu: 'menantu', cucu: 'cucu',
	orangtua: 'orang_tua', ayah: 'orang_tua', ibu: 'orang_tua', mertua: 'mertua',
	famililain: 'famili_lain', famili: 'famili_lain', lainnya: 'lainnya', lainlain: 'lainnya', pembantu: 'lainnya'
};
const STATUS_WORDS: Record<string, ResidentStatus> = {
	tetap: 'permanent', permanent: 'permanent', wargatetap: 'permanent', penduduktetap: 'permanent',
	sementara: 'temporary', kontrak: 'temporary', temporary: 'temporary', pendatang: 'temporary', kos: 'temporary',
	pindah: 'moved', moved: 'moved', meninggal: 'died', died: 'died', wafat: 'died'
};

export const parseSex = (s: string) => lookup(SEX_WORDS, s);
export const parseReligion = (s: string) => lookup(RELIGION_WORDS, s);
export const parseMarital = (s: string) => lookup(MARITAL_WORDS, s);
export const parseRelation = (s: string) => lookup(RELATION_WORDS, s);
export const parseStatus = (s: string) => lookup(STATUS_WORDS, s);

/**
 * Dates as people write them here: `1990-01-31`, `31-01-1990`, `31/01/1990`,
 * `31.01.1990`. Returns ISO `YYYY-MM-DD`, or null when it is not a real date.
 */
export function parseDate(input: string): string | null {
	const s = input.trim();
	let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
	let y: number, mo: number, d: number;
	if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	else {
		m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
		if (!m) return null;
		[d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
	}
	const date = new Date(Date.UTC(y, mo - 1, d));
	if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
	if (y < 1900) return null;
	return date.toISOString().slice(0, 10);
}

/** Age in whole years on a day (both `YYYY-MM-DD`). */
export function ageOn(birthDate: string, today: string): number {
	const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
	const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
	return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** Five-year bands for the age pyramid; 75+ is one band. */
export const AGE_BANDS = ['0-4', '5-9', '10-14', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', '55-59', '60-64', '65-69', '70-74', '75+'] as const;

export function ageBand(age: number): (typeof AGE_BANDS)[number] {
	return AGE_BANDS[Math.min(15, Math.max(0, Math.floor(age / 5)))]!;
}

/** Filter groups on the resident list. */
export const AGE_GROUPS = {
	child: [0, 17],
	adult: [18, 59],
	elderly: [60, 200]
} as const;
export type AgeGroup = keyof typeof AGE_GROUPS;

/**
 * A house as people type it in the search box: `A1 12`, `A1-12`, `a1/12`, `A1 No. 12`
 * (block and number), `12` (a number in any block) or `A1` (a whole block). Upper
 * case, as blocks and house numbers are kept. Null when nothing usable is left.
 */
export function parseHouseQuery(input: string): { block: string | null; number: string | null } | null {
	const tokens = input
		.toUpperCase()
		.split(/[\s\-/.,#:]+/)
		.filter((t) => t !== '' && t !== 'NO' && t !== 'BLOK' && t !== 'BLOCK' && t !== 'RUMAH');
	if (tokens.length === 0) return null;
	if (tokens.length === 1) return /^\d+[A-Z]?$/.test(tokens[0]!) ? { block: null, number: tokens[0]! } : { block: tokens[0]!, number: null };
	return { block: tokens[0]!, number: tokens.at(-1)! };
}

/** An RT number as written on letters and lists: `002`. */
export const rtNumber = (n: number | string) => String(n).padStart(3, '0');

/** `RT 002` */
export const rtLabel = (n: number | string) => `RT ${rtNumber(n)}`;

/** Where a household lives: `RT 002 · B2 5`, then ` · address` when there is one. */
export function housePlace(h: { rt_number: number; block: string; house_number: string; address?: string | null }): string {
	return `${rtLabel(h.rt_number)} · ${h.block} ${h.house_number}${h.address ? ` · ${h.address}` : ''}`;
}
