/**
 * Time is stored in UTC and shown in WIB (Asia/Jakarta, UTC+7, no daylight saving).
 * One place for every date shown to a person (docs/conventions.md).
 */
import { parseDate } from './registry';

export const WIB = 'Asia/Jakarta';
export type Locale = 'id' | 'en';

const tag = (locale: Locale) => (locale === 'id' ? 'id-ID' : 'en-GB');
const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: Locale, kind: 'date' | 'datetime' | 'time'): Intl.DateTimeFormat {
	const key = `${locale}:${kind}`;
	let f = cache.get(key);
	if (!f) {
		const options: Intl.DateTimeFormatOptions = { timeZone: WIB };
		if (kind !== 'time') Object.assign(options, { day: 'numeric', month: 'long', year: 'numeric' });
		if (kind !== 'date') Object.assign(options, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
		f = new Intl.DateTimeFormat(tag(locale), options);
		cache.set(key, f);
	}
	return f;
}

const toDate = (value: Date | string) => (typeof value === 'string' ? new Date(value) : value);

/** Month names as Intl writes them for id-ID and en-GB. */
export const MONTHS: Record<Locale, readonly string[]> = {
	id: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
	en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
};

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `23 November 2026`. A calendar date (`YYYY-MM-DD`: a birth date, a mutation's
 * day) has no time zone and is written from its parts: a list page formats dozens,
 * and Intl is most of that page's formatting cost.
 */
export function formatDate(value: Date | string, locale: Locale = 'id'): string {
	const parts = typeof value === 'string' ? CALENDAR_DATE.exec(value) : null;
	if (parts) {
		const [month, day] = [Number(parts[2]), Number(parts[3])];
		if (month >= 1 && month <= 12 && day >= 1 && day <= 31) return `${day} ${MONTHS[locale][month - 1]} ${Number(parts[1])}`;
	}
	return formatter(locale, 'date').format(toDate(value));
}

/** A date as typed into a form: formatted when it is a real date (`parseDate`), else shown as written. */
export function formatDateInput(value: string, locale: Locale = 'id'): string {
	const iso = parseDate(value);
	return iso ? formatDate(iso, locale) : value;
}

/** `23 November 2026 23.05 WIB` (id) / `23 November 2026, 23:05 WIB` (en) */
export function formatDateTime(value: Date | string, locale: Locale = 'id'): string {
	return `${formatter(locale, 'datetime').format(toDate(value))} WIB`;
}

/** `23.05 WIB` */
export function formatTime(value: Date | string, locale: Locale = 'id'): string {
	return `${formatter(locale, 'time').format(toDate(value))} WIB`;
}

/** Calendar parts of an instant in WIB: the month and year a letter or invoice belongs to. */
export function wibParts(value: Date): { year: number; month: number; day: number } {
	const shifted = new Date(value.getTime() + 7 * 3600_000);
	return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** `YYYY-MM-DD` from calendar parts. */
export function isoDay(parts: { year: number; month: number; day: number }): string {
	return `${String(parts.year).padStart(4, '0')}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
}

/** Today's calendar day in WIB as `YYYY-MM-DD`: the day people mean when they enter a date. */
export const todayWib = (now = new Date()) => isoDay(wibParts(now));
