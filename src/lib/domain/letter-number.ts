/**
 * Letter numbers: one register per RW and year (docs/domain.md, "Administrative letters"),
 * e.g. `014/SP/RW012/XI/2026` — sequence / kind / RW / month in Roman numerals / year.
 * Pure: the sequence itself is allocated by the letters service.
 */
import { MONTHS, wibParts } from './time';

export const DEFAULT_NUMBER_FORMAT = '{seq:03}/{kind}/{rw}/{month:roman}/{year}';
export const MAX_FORMAT_LENGTH = 80;

export interface LetterNumberParts {
	seq: number;
	kind: string;
	rw: string;
	month: number;
	year: number;
}

export type NumberFormatProblem =
	| 'format.empty'
	| 'format.too_long'
	| 'format.needs_seq'
	| 'format.needs_year'
	| 'format.unknown_placeholder'
	| 'format.bad_chars';

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

/** Month 1..12 as the Roman numeral letter registers use (XI for November). */
export function toRoman(month: number): string {
	// Fractions, NaN and out-of-range months all index outside the table.
	const roman = ROMAN[month - 1];
	if (roman === undefined) throw new RangeError(`month must be an integer 1..12, got ${month}`);
	return roman;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
/** `{seq}` or `{seq:NN}`: the width is 1..2 digits (`{seq:03}` pads 14 to 014). */
const SEQ = /^seq(?::(\d{1,2}))?$/;
const SIMPLE = new Set(['kind', 'rw', 'month', 'month:02', 'month:roman', 'year']);
/** Literal text between placeholders: ASCII letters, digits, space and `/ . - _`. */
const LITERAL = /^[A-Za-z0-9 /._-]*$/;

const isKnown = (token: string) => SIMPLE.has(token) || SEQ.test(token);

/** Null when `format` can number letters; otherwise the i18n key of the first problem. */
export function numberFormatProblem(format: string): NumberFormatProblem | null {
	if (format.trim() === '') return 'format.empty';
	if (format.length > MAX_FORMAT_LENGTH) return 'format.too_long';
	const tokens = [...format.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
	if (!tokens.every(isKnown)) return 'format.unknown_placeholder';
	// Stray braces are left in the literal text and rejected with it.
	if (!LITERAL.test(format.replace(PLACEHOLDER, ''))) return 'format.bad_chars';
	// The sequence restarts every year, so a number without both could repeat.
	if (!tokens.some((t) => SEQ.test(t))) return 'format.needs_seq';
	if (!tokens.includes('year')) return 'format.needs_year';
	return null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Fills a validated format. An invalid format or out-of-range part is a bug (the
 * format is checked with `numberFormatProblem` when it is saved), so it throws.
 */
export function formatLetterNumber(format: string, parts: LetterNumberParts): string {
	const problem = numberFormatProblem(format);
	if (problem) throw new RangeError(`invalid letter number format (${problem}): ${format}`);
	if (!Number.isSafeInteger(parts.seq) || parts.seq < 1) {
		throw new RangeError(`sequence must be a positive integer, got ${parts.seq}`);
	}
	if (!Number.isInteger(parts.year) || parts.year < 1) {
		throw new RangeError(`year must be a positive integer, got ${parts.year}`);
	}
	const roman = toRoman(parts.month);
	return format.replace(PLACEHOLDER, (_match, token: string) => {
		const seq = SEQ.exec(token);
		if (seq) return pad(parts.seq, Number(seq[1] ?? 0));
		switch (token) {
			case 'kind':
				return parts.kind;
			case 'rw':
				return parts.rw;
			case 'month':
				return String(parts.month);
			case 'month:02':
				return pad(parts.month, 2);
			case 'month:roman':
				return roman;
			default:
				return String(parts.year);
		}
	});
}

/** The register (year) and month a letter issued at `at` belongs to, in WIB. */
export function registerPeriod(at: Date): { year: number; month: number } {
	const { year, month } = wibParts(at);
	return { year, month };
}

/**
 * `23 November 2026` (WIB). Same text as `formatDate(at, 'id')`, but from a fixed
 * table instead of Intl: an issued letter's PDF is re-rendered and checked against
 * its stored SHA-256, so its text must not change with the ICU data of a Node upgrade.
 */
export function formatIndonesianDate(at: Date): string {
	const { year, month, day } = wibParts(at);
	return `${day} ${MONTHS.id[month - 1]} ${year}`;
}
