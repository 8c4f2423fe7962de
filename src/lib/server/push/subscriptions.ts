import { z } from 'zod';
import { DEFAULT_PREFERENCES, type PushPreferences } from '$lib/domain/push';
import type { SessionUser } from '../auth/sessions';
import { queryAsUser, withUser, type Database } from '../db';

/** What the browser's PushSubscription.toJSON() gives, as the subscribe page posts it. */
export const subscriptionInput = z.object({
	endpoint: z.string().url().max(1000).refine((u) => u.startsWith('https://'), 'https'),
	keys: z.object({
		p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/),
		auth: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/)
	})
});
export type SubscriptionInput = z.infer<typeof subscriptionInput>;

/** A short device label from a user agent ("Chrome · Android"); the full string is not kept. */
export function deviceLabel(userAgent: string): string {
	const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Browser';
	const os = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : '';
	return os ? `${browser} · ${os}` : browser;
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * Saves this browser's subscription for the user. An endpoint is one browser profile:
 * if another account subscribed it before (a shared phone), it moves to this user.
 * `replaces`: the endpoint it renews (pushsubscriptionchange), removed if it was the user's.
 */
export async function subscribe(db: Database, user: SessionUser, input: SubscriptionInput, userAgent: string, replaces?: string): Promise<string> {
	if (!user.rwId) throw new Error('subscribe: no RW in the session');
	// Whoever holds the endpoint (an unguessable URL) owns that browser's subscription.
	await db.query('delete from push_subscription where endpoint = $1 and user_id <> $2', [input.endpoint, user.id]);
	return withUser(db, claimsOf(user), async (tx) => {
		if (replaces && replaces !== input.endpoint) await tx.query('delete from push_subscription where endpoint = $1', [replaces]);
		const [row] = await tx.query<{ id: string }>(
			`insert into push_subscription (rw_id, user_id, endpoint, p256dh, auth, label) values ($1, $2, $3, $4, $5, $6)
			 on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth, label = excluded.label
			 returning id`,
			[user.rwId, user.id, input.endpoint, input.keys.p256dh, input.keys.auth, deviceLabel(userAgent).slice(0, 100)]
		);
		return row!.id;
	});
}

/** Removes one of the user's devices, by id or by endpoint (the browser that unsubscribes). */
export async function unsubscribe(db: Database, user: SessionUser, by: { id?: string; endpoint?: string }): Promise<boolean> {
	const rows = await queryAsUser<{ id: string }>(
		db,
		claimsOf(user),
		'delete from push_subscription where user_id = $1 and (id::text = $2 or endpoint = $3) returning id',
		[user.id, by.id ?? '', by.endpoint ?? '']
	);
	return rows.length > 0;
}

export interface DeviceRow {
	id: string;
	label: string;
	endpoint: string;
	created_at: string;
	last_success_at: string | null;
}

export function listDevices(db: Database, user: SessionUser): Promise<DeviceRow[]> {
	return queryAsUser<DeviceRow>(
		db,
		claimsOf(user),
		'select id, label, endpoint, created_at::text, last_success_at::text from push_subscription where user_id = $1 order by created_at desc',
		[user.id]
	);
}

export async function getPreferences(db: Database, user: SessionUser): Promise<PushPreferences> {
	const [row] = await queryAsUser<{ flood: boolean; flood_min_siaga: 1 | 2 | 3; panic: boolean; letters: boolean; dues: boolean; announcements: boolean; area_reports: boolean }>(
		db,
		claimsOf(user),
		'select flood, flood_min_siaga, panic, letters, dues, announcements, area_reports from push_preference where user_id = $1',
		[user.id]
	);
	if (!row) return DEFAULT_PREFERENCES;
	return { flood: row.flood, floodMinSiaga: row.flood_min_siaga, panic: row.panic, letters: row.letters, dues: row.dues, announcements: row.announcements, area: row.area_reports };
}

/** Preferences from a form: checkboxes present or absent, the minimum Siaga 1–3. */
export const preferencesInput = z.object({
	flood: z.boolean(),
	floodMinSiaga: z.union([z.literal(1), z.literal(2), z.literal(3)]),
	panic: z.boolean(),
	letters: z.boolean(),
	dues: z.boolean(),
	announcements: z.boolean(),
	area: z.boolean()
});

export function preferencesFromForm(form: FormData): z.ZodSafeParseResult<PushPreferences> {
	const on = (k: string) => form.get(k) === 'on';
	return preferencesInput.safeParse({
		flood: on('flood'),
		floodMinSiaga: Number(form.get('floodMinSiaga')),
		panic: on('panic'),
		letters: on('letters'),
		dues: on('dues'),
		announcements: on('announcements'),
		area: on('area')
	});
}

export async function setPreferences(db: Database, user: SessionUser, prefs: PushPreferences): Promise<void> {
	if (!user.rwId) throw new Error('setPreferences: no RW in the session');
	await queryAsUser(
		db,
		claimsOf(user),
		`insert into push_preference (user_id, rw_id, flood, flood_min_siaga, panic, letters, dues, announcements, area_reports) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 on conflict (user_id) do update set flood = excluded.flood, flood_min_siaga = excluded.flood_min_siaga, panic = excluded.panic,
		   letters = excluded.letters, dues = excluded.dues, announcements = excluded.announcements, area_reports = excluded.area_reports, updated_at = now()`,
		[user.id, user.rwId, prefs.flood, prefs.floodMinSiaga, prefs.panic, prefs.letters, prefs.dues, prefs.announcements, prefs.area]
	);
}
