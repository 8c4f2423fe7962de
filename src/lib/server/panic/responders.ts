import { notify } from '../notifications';
import type { Sql } from '../db';

/**
 * Who is told of a panic: the RW's security officers and RW admins (docs/panic.md).
 * As the system (a button's press, an escalation): read from the membership directly.
 */
export async function responderIds(tx: Sql, rwId: string): Promise<string[]> {
	const rows = await tx.query<{ id: string }>(
		`select distinct m.user_id as id from membership m join app_user u on u.id = m.user_id
		  where m.rw_id = $1 and m.role in ('security_officer', 'rw_admin') and u.disabled_at is null`,
		[rwId]
	);
	return rows.map((r) => r.id);
}

/** As a member pressing (RLS): the same people, through the function that lets a member ask. */
export async function responderIdsAsMember(tx: Sql, rwId: string): Promise<string[]> {
	const rows = await tx.query<{ id: string }>('select app.panic_responder_ids($1) as id', [rwId]);
	return rows.map((r) => r.id);
}

/** The in-app notification of a step, `notify.panic.<step>`; push rides on it. */
export function notifyPanic(
	tx: Sql,
	rwId: string,
	userIds: readonly string[],
	step: 'triggered' | 'escalated' | 'acknowledged' | 'dispatched' | 'resolved' | 'false_alarm' | 'cancelled',
	params: Record<string, string | number>,
	link: string
): Promise<void> {
	return notify(tx, rwId, userIds, `panic.${step}`, params, link);
}
