import { queryAsUser, type Database, type Sql, type Statement } from './db';
import type { SessionUser } from './auth/sessions';
import { PUSH_CHANNEL, wakePushSenders } from './push/wake';

/**
 * In-app notifications: always written (in the same transaction as the step they
 * announce); Web Push, when a user has a subscription, rides on top. The text is
 * an i18n key (`notify.<kind>`) with params, so each reader sees their language.
 *
 * Each row is also the push channel's outbox entry (due at once, docs/push.md): the
 * push sender delivers it after the commit, so a rolled-back step pushes nothing and
 * a crash after the commit still pushes. `pg_notify` reaches every instance's sender
 * at commit; this process's senders are woken at once.
 */
export async function notify(
	tx: Sql,
	rwId: string,
	userIds: readonly string[],
	kind: string,
	params: Record<string, string | number>,
	link: string
): Promise<void> {
	const statement = notifyStatement(rwId, userIds, kind, params, link);
	if (!statement) return;
	await tx.query(statement.text, statement.params);
	wakePushSenders();
}

/**
 * `notify` as a statement, for a write sent as one batch (`batchAsUser`); null when
 * there is no one to notify. Call `wakePushSenders()` once the batch has committed.
 */
export function notifyStatement(
	rwId: string,
	userIds: readonly string[],
	kind: string,
	params: Record<string, string | number>,
	link: string
): Statement | null {
	const unique = [...new Set(userIds)];
	if (unique.length === 0) return null;
	return notifyWhomStatement(rwId, { text: 'select unnest($5::uuid[])', params: [unique] }, kind, params, link);
}

/**
 * `notify` for the users a query chooses (`whom.text`: one column of distinct user
 * ids, its parameters numbered from $5), in one statement. Its one row, when it
 * notified anyone, says how many (`n`); call `wakePushSenders()` once it has committed.
 */
export function notifyWhomStatement(
	rwId: string,
	whom: { text: string; params: unknown[] },
	kind: string,
	params: Record<string, string | number>,
	link: string
): Statement {
	return {
		text: `with written as (
		   insert into notification (rw_id, user_id, kind, params, link) select $1, u, $2, $3::text::jsonb, $4 from (${whom.text}) as whom(u) returning 1
		 ),
		 counted as (select count(*)::int as n from written)
		 select n, pg_notify('${PUSH_CHANNEL}', '') from counted where n > 0`,
		params: [rwId, kind, JSON.stringify(params), link, ...whom.params]
	};
}

export interface NotificationRow {
	id: number;
	kind: string;
	params: Record<string, string | number>;
	link: string;
	created_at: string;
	read_at: string | null;
}

export function listNotifications(db: Database, user: SessionUser, limit = 50): Promise<NotificationRow[]> {
	return queryAsUser<NotificationRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'select id::int as id, kind, params, link, created_at, read_at from notification where user_id = $1 order by created_at desc, id desc limit $2',
		[user.id, limit]
	);
}

export async function unreadCount(db: Database, user: SessionUser): Promise<number> {
	const rows = await queryAsUser<{ n: number }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'select count(*)::int as n from notification where user_id = $1 and read_at is null', [user.id]
	);
	return rows[0]!.n;
}

export async function markAllRead(db: Database, user: SessionUser): Promise<void> {
	await queryAsUser(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'update notification set read_at = now() where user_id = $1 and read_at is null', [user.id]
	);
}
