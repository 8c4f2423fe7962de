import type { Database, Sql, Statement } from '../db';
import { DEFAULT_PREFERENCES, type PushPreferences } from '$lib/domain/push';
import type { Locale } from '$lib/i18n';

/**
 * The push outbox is the notification table itself (migration
 * 20261208120000_push.sql): a row with push_due_at at or before now is due. These
 * are the sender's statements; they run as the system (no user's claims).
 */

export interface DueNotification {
	id: number;
	rwId: string;
	userId: string;
	kind: string;
	params: Record<string, string | number>;
	link: string;
	/** This try's number (1 for the first). */
	attempt: number;
}

/**
 * Claims up to `limit` due rows: `for update skip locked` so two instances never take
 * the same row, and the claim is a lease (push_due_at moved `leaseS` ahead): a sender
 * that dies mid-send leaves the row to be taken again when the lease runs out.
 */
export async function claimDue(db: Sql, limit: number, leaseS: number): Promise<DueNotification[]> {
	const rows = await db.query<{ id: string | number; rw_id: string; user_id: string; kind: string; params: Record<string, string | number>; link: string; push_attempts: number }>(
		`with due as (
		   select id from notification where push_due_at <= now() order by push_due_at, id limit $1 for update skip locked
		 )
		 update notification n set push_due_at = now() + make_interval(secs => $2), push_attempts = n.push_attempts + 1
		   from due where n.id = due.id
		 returning n.id, n.rw_id, n.user_id, n.kind, n.params, n.link, n.push_attempts`,
		[limit, leaseS]
	);
	return rows.map((r) => ({ id: Number(r.id), rwId: r.rw_id, userId: r.user_id, kind: r.kind, params: r.params, link: r.link, attempt: r.push_attempts }));
}

export interface Target {
	subscriptionId: string;
	userId: string;
	endpoint: string;
	p256dh: string;
	auth: string;
	locale: Locale;
	prefs: PushPreferences;
}

/** The subscriptions of these users, with each user's language and preferences. */
export async function targetsOf(db: Database, userIds: readonly string[]): Promise<Map<string, Target[]>> {
	const rows = await db.query<{
		id: string; user_id: string; endpoint: string; p256dh: string; auth: string; locale: Locale;
		flood: boolean | null; flood_min_siaga: number | null; panic: boolean | null; letters: boolean | null; dues: boolean | null; announcements: boolean | null; area_reports: boolean | null;
	}>(
		`select s.id, s.user_id, s.endpoint, s.p256dh, s.auth, u.locale, p.flood, p.flood_min_siaga, p.panic, p.letters, p.dues, p.announcements, p.area_reports
		   from push_subscription s join app_user u on u.id = s.user_id left join push_preference p on p.user_id = s.user_id
		  where s.user_id = any($1::uuid[]) and u.disabled_at is null`,
		[[...new Set(userIds)]]
	);
	const byUser = new Map<string, Target[]>();
	for (const r of rows) {
		const prefs: PushPreferences =
			r.flood === null
				? DEFAULT_PREFERENCES
				: { flood: r.flood, floodMinSiaga: r.flood_min_siaga as 1 | 2 | 3, panic: r.panic!, letters: r.letters!, dues: r.dues!, announcements: r.announcements!, area: r.area_reports! };
		let list = byUser.get(r.user_id);
		if (!list) byUser.set(r.user_id, (list = []));
		list.push({ subscriptionId: r.id, userId: r.user_id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, locale: r.locale, prefs });
	}
	return byUser;
}

/** (notification, subscription) pairs already delivered: a retry skips them. */
export async function alreadySent(db: Database, notificationIds: readonly number[]): Promise<Set<string>> {
	if (notificationIds.length === 0) return new Set();
	const rows = await db.query<{ notification_id: string | number; subscription_id: string }>(
		`select notification_id, subscription_id from push_delivery where notification_id = any($1::int8[]) and result = 'sent'`,
		[notificationIds]
	);
	return new Set(rows.map((r) => `${r.notification_id}:${r.subscription_id}`));
}

export interface DeliveryRecord {
	rwId: string;
	notificationId: number;
	subscriptionId: string;
	userId: string;
	kind: string;
	result: 'sent' | 'gone' | 'retry' | 'failed';
	statusCode: number | null;
	attempt: number;
	error: string;
}

/**
 * Writes one round's outcome in one transaction: the delivery log, gone subscriptions
 * deleted, each notification done (push_due_at null) or due again at `retryAt`.
 */
export async function finishRound(
	db: Database,
	deliveries: readonly DeliveryRecord[],
	done: readonly number[],
	retries: readonly { id: number; afterS: number }[]
): Promise<void> {
	const gone = [...new Set(deliveries.filter((d) => d.result === 'gone').map((d) => d.subscriptionId))];
	const delivered = [...new Set(deliveries.filter((d) => d.result === 'sent').map((d) => d.subscriptionId))];
	// One message (db.batch: one transaction), not an interactive transaction: on PGlite
	// that held the one session across a round trip to the main thread per statement,
	// up to ~100 ms under an admin's load while alarms waited (bench/README.md,
	// "thirteenth session"). The statements need no answer from each other.
	const statements: Statement[] = [];
	if (deliveries.length > 0) {
		statements.push({
			text: `insert into push_delivery (rw_id, notification_id, subscription_id, user_id, kind, result, status_code, attempt, error)
			 select * from unnest($1::uuid[], $2::int8[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::int2[], $9::text[])`,
			params: [
				deliveries.map((d) => d.rwId),
				deliveries.map((d) => d.notificationId),
				deliveries.map((d) => d.subscriptionId),
				deliveries.map((d) => d.userId),
				deliveries.map((d) => d.kind),
				deliveries.map((d) => d.result),
				deliveries.map((d) => d.statusCode),
				deliveries.map((d) => d.attempt),
				deliveries.map((d) => d.error.slice(0, 300))
			]
		});
	}
	if (gone.length > 0) statements.push({ text: 'delete from push_subscription where id = any($1::uuid[])', params: [gone] });
	if (delivered.length > 0) statements.push({ text: 'update push_subscription set last_success_at = now() where id = any($1::uuid[])', params: [delivered] });
	if (done.length > 0) statements.push({ text: 'update notification set push_due_at = null where id = any($1::int8[])', params: [done] });
	if (retries.length > 0) {
		statements.push({
			text: `update notification n set push_due_at = now() + make_interval(secs => r.after_s)
			   from unnest($1::int8[], $2::float8[]) as r(id, after_s) where n.id = r.id`,
			params: [retries.map((r) => r.id), retries.map((r) => r.afterS)]
		});
	}
	if (statements.length > 0) await db.batch(statements);
}
