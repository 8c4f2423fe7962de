import { page } from '$app/state';
import { translate, type Locale, type MessageKey } from './index';

/** The locale of the current page (root layout data), Bahasa Indonesia by default. */
export function locale(): Locale {
	return (page.data as { locale?: Locale }).locale ?? 'id';
}

/** Translate in components: reactive to a language switch. */
export function t(key: MessageKey | string, params?: Record<string, string | number>): string {
	return translate(locale(), key, params);
}
