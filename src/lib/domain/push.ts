/**
 * What a notification's kind means for Web Push (docs/push.md): which of the user's
 * preferences allows it, how urgent it is, how long the push service may hold it
 * (TTL) and whether later ones replace it (topic). Pure: the sender asks it.
 */

export type PushCategory = 'panic' | 'flood' | 'letters' | 'dues' | 'announcements' | 'area';

export interface PushPreferences {
	flood: boolean;
	/** Siaga 4 is normal, 1 the worst: flood alerts from this level up. */
	floodMinSiaga: 1 | 2 | 3;
	panic: boolean;
	letters: boolean;
	dues: boolean;
	announcements: boolean;
	/** New public complaints in an area the user follows (docs/complaints.md). */
	area: boolean;
}

export const DEFAULT_PREFERENCES: PushPreferences = { flood: true, floodMinSiaga: 3, panic: true, letters: true, dues: true, announcements: true, area: true };

export const CATEGORIES: readonly PushCategory[] = ['flood', 'panic', 'letters', 'dues', 'announcements', 'area'];

/** The preference that governs a kind (`panic.acknowledged` → panic); null: never pushed. */
export function categoryOf(kind: string): PushCategory | null {
	if (kind.startsWith('complaint.area_')) return 'area';
	const prefix = kind.split('.', 1)[0];
	switch (prefix) {
		case 'panic':
			return 'panic';
		case 'flood':
			return 'flood';
		case 'letter':
		case 'complaint':
			return 'letters';
		case 'dues':
			return 'dues';
		case 'announcement':
			return 'announcements';
		default:
			return null;
	}
}

export interface DeliveryOptions {
	urgency: 'high' | 'normal';
	/** Seconds the push service keeps it for an offline device. */
	ttl: number;
	/** Replaces an undelivered earlier push with the same topic (≤ 32 URL-safe characters). */
	topic?: string;
}

/**
 * Panic and flood are urgent and stale soon (a panic five minutes old is handled or
 * escalated; a flood level is replaced by the next); the rest can wait a day.
 */
export function deliveryOptions(kind: string, params: Record<string, string | number>): DeliveryOptions {
	const category = categoryOf(kind);
	if (category === 'panic') return { urgency: 'high', ttl: 300 };
	if (category === 'flood') {
		const sensor = typeof params.device === 'string' ? params.device : '';
		return { urgency: 'high', ttl: 900, ...(sensor ? { topic: topicFor(`flood-${sensor}`) } : {}) };
	}
	return { urgency: 'normal', ttl: 86_400 };
}

/** A push topic from any text: URL-safe characters only, at most 32. */
export function topicFor(text: string): string {
	const safe = text.replace(/[^A-Za-z0-9_-]/g, '_');
	if (safe.length <= 32) return safe;
	// Long ids: keep a prefix and a short hash of the rest, so two sensors stay apart.
	let h = 2166136261;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
	return `${safe.slice(0, 24)}_${h.toString(36).padStart(7, '0')}`;
}

/** Whether the user's preferences let this kind through (flood's level is checked when it is written). */
export function allowed(prefs: PushPreferences, kind: string): boolean {
	const category = categoryOf(kind);
	return category !== null && prefs[category];
}

/** At most this many tries of one notification before it is given up. */
export const MAX_ATTEMPTS = 5;

/** Seconds before try `attempt + 1`: 5, 20, 80, 320 s (with up to 20% jitter from `random`). */
export function backoffSeconds(attempt: number, random = 0): number {
	const base = 5 * 4 ** Math.max(0, attempt - 1);
	return Math.round(base * (1 + 0.2 * random));
}

/** What the device shows (payload of the push: JSON under 3 KB). */
export interface PushPayload {
	title: string;
	body: string;
	url: string;
	tag: string;
	icon: string;
}

export const PAYLOAD_LIMIT_BYTES = 3072;

/** Cuts a text to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
