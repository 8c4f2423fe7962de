import { formatRupiah } from '$lib/domain/money';
import { may } from '$lib/domain/permissions';
import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { notify } from '../notifications';

/** A house is reminded at most once in this many days, however often the treasurer presses. */
export const REMINDER_EVERY_DAYS = 7;

export type RemindResult = { ok: true; houses: number; skipped: number } | { ok: false; reason: 'forbidden' };

/**
 * Reminds the residents of every house at least `minMonths` behind, through notify()
 * (`dues.reminder`: in-app, and by push where the push area delivers `dues.*`). Rate
 * limited per house: a house reminded in the last week is skipped. One transaction.
 */
export async function remindBehind(db: Database, user: SessionUser, minMonths: number, now: Date): Promise<RemindResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, { sub: user.id, rw_id: rwId }, async (tx) => {
		const behind = await tx.query<{ house_id: string; open_months: number; open_amount: string | number; recent: boolean }>(
			`select s.house_id, s.open_months, s.open_amount,
			        exists (select 1 from dues_reminder r where r.house_id = s.house_id and r.sent_at > $3::timestamptz - make_interval(days => $4)) as recent
			   from dues_house_status s where s.rw_id = $1 and s.open_months >= $2`,
			[rwId, minMonths, now, REMINDER_EVERY_DAYS]
		);
		const due = behind.filter((h) => !h.recent);
		if (due.length > 0) {
			const residents = await tx.query<{ house_id: string; user_id: string }>(
				'select h as house_id, app.dues_house_user_ids(h) as user_id from unnest($1::uuid[]) as h',
				[due.map((h) => h.house_id)]
			);
			for (const h of due) {
				const users = residents.filter((r) => r.house_id === h.house_id).map((r) => r.user_id);
				await notify(tx, rwId, users, 'dues.reminder', { months: h.open_months, amount: formatRupiah(Number(h.open_amount)) }, '/iuran');
			}
			await tx.query(
				`insert into dues_reminder (rw_id, house_id, sent_at, sent_by, open_months) select $1, h, $3, $4, m from unnest($2::uuid[], $5::int[]) as t(h, m)`,
				[rwId, due.map((h) => h.house_id), now, user.id, due.map((h) => h.open_months)]
			);
		}
		await audit(tx, { rwId, actorId: user.id, action: 'dues.reminders', detail: { minMonths, houses: due.length, skipped: behind.length - due.length } });
		return { ok: true, houses: due.length, skipped: behind.length - due.length };
	});
}
