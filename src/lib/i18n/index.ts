import { en } from './en';
import { id, type MessageKey } from './id';

export type { MessageKey } from './id';
export type Locale = 'id' | 'en';
export const LOCALES: readonly Locale[] = ['id', 'en'];
export const LOCALE_COOKIE = 'lang';

const catalogues: Record<Locale, Record<MessageKey, string>> = { id, en };

export function isLocale(value: unknown): value is Locale {
	return value === 'id' || value === 'en';
}

export function isMessageKey(value: unknown): value is MessageKey {
	return typeof value === 'string' && value in id;
}

/** Translates a key, filling `{name}` placeholders. Unknown keys show as themselves. */
export function translate(locale: Locale, key: MessageKey | string, params: Record<string, string | number> = {}): string {
	const template = isMessageKey(key) ? catalogues[locale][key] : key;
	if (!template.includes('{')) return template; // most strings: a list page translates hundreds
	return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
