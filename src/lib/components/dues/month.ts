import { MONTHS, type Locale } from '$lib/domain/time';

/** `2026-12-01` → `Desember 2026`. */
export function monthLabel(month: string, locale: Locale): string {
	return `${MONTHS[locale][Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** A WhatsApp share link for a receipt's public verification page. */
export function whatsappLink(text: string): string {
	return `https://wa.me/?text=${encodeURIComponent(text)}`;
}
