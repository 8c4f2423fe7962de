import type { PressInput } from '$lib/schemas/panic';
import { rtNumber } from '$lib/domain/registry';
import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import type { Limit } from '../auth/rate-limit';
import { notifyPanic, responderIdsAsMember } from './responders';

/** New presses per resident (retries of one press are not counted): enough for a real emergency and a second thought. */
export const PRESS_LIMIT: Limit = { max: 5, windowSeconds: 600 };

export type PressResult =
	| { ok: true; id: string; created: boolean }
	| { ok: false; reason: 'forbidden' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

/**
 * A press from the phone becomes an incident, once (rate limited per resident by the
 * presses stored in the window, so a retry is never counted twice): the phone's key makes a retry
 * (the answer lost on a weak connection) find the same incident instead of a second
 * one. The caller answers the phone only after this returns, that is after the commit
 * (docs/panic.md, "No press lost"). The officers and RW admins are told in the same
 * transaction. Written as the user (RLS: one's own press, from one's own house).
 */
export async function pressPanic(db: Database, user: SessionUser, input: PressInput, now: Date): Promise<PressResult> {
	if (!user.rwId) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, { sub: user.id, rw_id: rwId }, async (tx): Promise<PressResult> => {
		// One press of a resident at a time: a retry waits for the first and finds it, and
		// the count below sees every press before it (count and check cannot interleave).
		await tx.query(`select pg_advisory_xact_lock(hashtext('panic:' || $1::text))`, [user.id]);
		const [seen] = await tx.query<{ id: string }>('select id from panic_incident where reporter_id = $1 and client_key = $2', [user.id, input.key]);
		if (seen) return { ok: true, id: seen.id, created: false };
		const since = new Date(now.getTime() - PRESS_LIMIT.windowSeconds * 1000).toISOString();
		const [recent] = await tx.query<{ n: number; oldest: string | null }>(
			`select count(*)::int as n, min(triggered_at)::text as oldest from panic_incident where reporter_id = $1 and triggered_at > $2`,
			[user.id, since]
		);
		if (recent!.n >= PRESS_LIMIT.max) {
			const retryAfter = Math.max(1, Math.ceil((new Date(recent!.oldest!).getTime() + PRESS_LIMIT.windowSeconds * 1000 - now.getTime()) / 1000));
			return { ok: false, reason: 'rate_limited', retryAfter };
		}
		const house = user.houseId
			? (
					await tx.query<{ rt_id: string; block: string; number: string; rt: number; lat: number | null; lng: number | null }>(
						'select h.rt_id, h.block, h.number, rt.number as rt, h.lat, h.lng from house h join rt on rt.id = h.rt_id where h.id = $1',
						[user.houseId]
					)
				)[0]
			: undefined;
		const label = house ? `${[house.block, house.number].filter(Boolean).join(' ')} · RT ${rtNumber(house.rt)}` : '';
		const useGps = input.lat !== null && input.lng !== null;
		const [row] = await tx.query<{ id: string }>(
			`insert into panic_incident (rw_id, rt_id, source, house_id, reporter_id, client_key, category, reporter_name, reporter_phone,
			                             place_label, lat, lng, accuracy_m, triggered_at, announced_at)
			 values ($1, $2, 'app', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id`,
			[rwId, house?.rt_id ?? user.rtId, user.houseId, user.id, input.key, input.category, user.name, user.phone, label,
				useGps ? input.lat : (house?.lat ?? null), useGps ? input.lng : (house?.lng ?? null), useGps ? input.accuracy : null, now.toISOString()]
		);
		const id = row!.id;
		await notifyPanic(tx, rwId, await responderIdsAsMember(tx, rwId), 'triggered', { name: user.name, place: label || '-' }, `/security/incidents/${id}`);
		return { ok: true, id, created: true };
	});
}
