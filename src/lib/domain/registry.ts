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

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const februaryDays = (y: number) => (isLeapYear(y) ? 29 : 28);

/**
 * Age in whole years on a day (both `YYYY-MM-DD`). A year of life is complete on the
 * birthday's anniversary; for someone born on 29 February that is 28 February in a
 * common year (the anniversary falls on the last day of the birth month, as
 * PostgreSQL's `date + interval 'n years'` counts it), never 1 March.
 */
export function ageOn(birthDate: string, today: string): number {
	const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
	const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
	const anniversaryDay = bm === 2 ? Math.min(bd, februaryDays(ty)) : bd;
	return ty - by - (tm < bm || (tm === bm && td < anniversaryDay) ? 1 : 0);
}

/**
 * The latest birth date of someone who is at least `age` on `today` (both
 * `YYYY-MM-DD`), by the rule of `ageOn`: `ageOn(b, today) >= age` exactly when
 * `b <= bornOnOrBefore(age, today)`. The age filters compare birth dates with it, so
 * a list query can use the birth-date column as it is.
 */
export function bornOnOrBefore(age: number, today: string): string {
	const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
	const year = ty - age;
	// On the last day of February every February birthday up to that year's last day has come.
	const day = tm === 2 && td === februaryDays(ty) ? februaryDays(year) : td;
	return `${String(year).padStart(4, '0')}-${String(tm).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
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

/**
 * A house written as one address, as RT sheets often have it in a single column:
 * `Blok C9 No. 23`, `Blk C9 No 23`, `BLOK C-9 NOMOR 23A`, `Blok.C9 No.23`, `C9/23`,
 * `C9 23`. Returns the block (separators dropped: `C-9` is `C9`, as the search reads
 * it) and the number (`23 A` is `23A`), upper case. Null unless both are there with a
 * keyword, `/`, `,` or a space between them, so a bare house number such as `A12` or
 * `12A` is never split.
 */
export function parseHouseAddress(input: string): { block: string; number: string } | null {
	const match = HOUSE_ADDRESS.exec(input.trim().toUpperCase());
	if (!match) return null;
	const block = match[1]!.replace(/[\s.-]+/g, '');
	// `No. 23`, `RT 5`, `Jl 7`: a keyword, not a block.
	return NOT_BLOCKS.has(block) ? null : { block, number: match[2]!.replace(/\s+/g, '') };
}

const NOT_BLOCKS = new Set(['NO', 'NOMOR', 'NOMER', 'NMR', 'BLOK', 'BLK', 'BLOCK', 'RT', 'RW', 'JL', 'JLN', 'GG', 'KAV']);

const HOUSE_ADDRESS =
	/^(?:(?:BLOK|BLK|BLOCK)\s*\.?\s*)?([A-Z]{1,3}(?:\s*[-.]?\s*\d{1,3})?[A-Z]?)(?:\s*[,/]\s*|\s*(?:NO|NOMOR|NOMER|NMR)\s*\.?\s*|\s+)(\d{1,4}(?:\s*[A-Z])?)$/;

/**
 * A house's block or number as stored: trimmed and in upper case, so `c7 21b` and
 * `C7 21B` are one house (the key `unique (rt_id, block, number)` compares exactly;
 * migration 20261201000100 checks stored values are in this form).
 */
export const normalizeHouseCode = (s: string) => s.trim().toUpperCase();

/** The calendar day `days` after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Population events (mutasi penduduk) recorded against a resident. */
export const MUTATION_KINDS = ['moved_in', 'moved_out', 'born', 'died', 'changed_household'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/**
 * Columns of the monthly report: a change of household into another RT counts as out
 * of the old RT and into the new one; within one RT it stays `changed_household`.
 */
export const REPORT_KINDS = [...MUTATION_KINDS, 'changed_household_out', 'changed_household_in'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const isMutationKind = (value: string): value is MutationKind => (MUTATION_KINDS as readonly string[]).includes(value);

/**
 * How a person added by hand came to live here: born here, moved in, or already
 * living here when the register began (no event, nothing counted in a month).
 */
export const ARRIVALS = ['resident', 'born', 'moved_in'] as const;
export type Arrival = (typeof ARRIVALS)[number];

/** A birth is reported within 60 days (UU 24/2013 art. 27), so it may be recorded that long after the birth date. */
export const BIRTH_RECORD_DAYS = 60;

/** What the rules need to know of a resident before a new event. */
export interface MutationSubject {
	status: ResidentStatus;
	birthDate: string;
	/** Day of the latest event already recorded, if any. */
	lastOccurredOn: string | null;
}

/** Why an event cannot be recorded: the form field it belongs to and an i18n key. */
export interface MutationProblem {
	field: 'kind' | 'occurredOn';
	message: string;
}

const isActive = (status: ResidentStatus) => status === 'permanent' || status === 'temporary';

/**
 * The rules of the register's events, so each real event is counted once in the
 * monthly report (docs/domain.md, "Population registry"):
 * - died is final; after moved out only moved in (back) is possible;
 * - a resident living here moves in or is born only as their first recorded event
 *   (recording how someone registered earlier arrived), never again;
 * - born only within BIRTH_RECORD_DAYS of the birth date;
 * - no event before the birth date, after today (WIB) or before the latest event.
 * `today` is the WIB calendar day (`todayWib()` in time.ts).
 */
export function mutationProblem(subject: MutationSubject, kind: MutationKind, occurredOn: string, today: string): MutationProblem | null {
	if (subject.status === 'died') return { field: 'kind', message: 'mutation.rule_died' };
	if (subject.status === 'moved' && kind !== 'moved_in') return { field: 'kind', message: 'mutation.rule_moved' };
	if (isActive(subject.status) && subject.lastOccurredOn !== null) {
		if (kind === 'moved_in') return { field: 'kind', message: 'mutation.rule_already_here' };
		if (kind === 'born') return { field: 'kind', message: 'mutation.rule_born_first' };
	}
	if (occurredOn > today) return { field: 'occurredOn', message: 'mutation.rule_future' };
	if (occurredOn < subject.birthDate) return { field: 'occurredOn', message: 'mutation.rule_before_birth' };
	if (kind === 'born' && occurredOn > addDays(subject.birthDate, BIRTH_RECORD_DAYS)) return { field: 'occurredOn', message: 'mutation.rule_born_date' };
	if (subject.lastOccurredOn !== null && occurredOn < subject.lastOccurredOn) return { field: 'occurredOn', message: 'mutation.rule_before_last' };
	return null;
}

/** The status a resident has after an event (an arrival keeps a temporary resident temporary). */
export function statusAfter(kind: MutationKind, current: ResidentStatus): ResidentStatus {
	switch (kind) {
		case 'moved_out':
			return 'moved';
		case 'died':
			return 'died';
		case 'moved_in':
			return current === 'moved' ? 'permanent' : current;
		default:
			return current;
	}
}

/**
 * The status a resident had before an event, for an event recorded without it (before
 * the register kept it): a death or move out ended a stay (taken as permanent); a move
 * in after an earlier event was a return; anything else left the status as it is.
 */
export function statusBeforeEvent(kind: MutationKind, current: ResidentStatus, hadEarlierEvent: boolean): ResidentStatus {
	if (kind === 'died' || kind === 'moved_out') return 'permanent';
	if (kind === 'moved_in' && hadEarlierEvent) return 'moved';
	return current;
}

/** An RT number as written on letters and lists: `002`. */
export const rtNumber = (n: number | string) => String(n).padStart(3, '0');

/** `RT 002` */
export const rtLabel = (n: number | string) => `RT ${rtNumber(n)}`;

/** Where a household lives: `RT 002 · B2 5`, then ` · address` when there is one. */
export function housePlace(h: { rt_number: number; block: string; house_number: string; address?: string | null }): string {
	return `${rtLabel(h.rt_number)} · ${h.block} ${h.house_number}${h.address ? ` · ${h.address}` : ''}`;
}

/** A KK has one head of family among the people living there (a KK lists one "Kepala Keluarga"). */
export const isActiveHead = (r: { relation: string | null; status: string }) => r.relation === 'kepala_keluarga' && (r.status === 'permanent' || r.status === 'temporary');
