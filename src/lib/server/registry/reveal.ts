import { queryAsUser, withUser, type Database } from '../db';
import { decryptPii, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { mayAnywhere } from '$lib/domain/permissions';

export type RevealResult = { ok: true; value: string } | { ok: false; reason: 'forbidden' | 'not_found' };

/**
 * Shows a full NIK or KK to an authorised officer (RW admin, or the RT head of the
 * resident's RT — RLS decides which rows they can reach) and logs who, when and
 * why in the same transaction: no log, no reveal (UU 27/2022 art. 16, 35).
 */
export async function revealIdentity(
	db: Database,
	keys: PiiKeys,
	user: SessionUser,
	input: { residentId: string; field: 'nik' | 'kk'; reason: string; ip: string }
): Promise<RevealResult> {
	if (!mayAnywhere(user, 'registry.reveal')) {
		return { ok: false, reason: 'forbidden' };
	}
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		// A resident may see their own household through RLS, but revealing is for officers.
		const rows = await tx.query<{ nik_enc: string; kk_enc: string; household_id: string; rt_id: string }>(
			`select r.nik_enc, hh.kk_enc, r.household_id, r.rt_id
			   from resident r join household hh on hh.id = r.household_id
			  where r.id = $1 and r.rw_id = $2
			    and app.may('registry.reveal', r.rw_id, r.rt_id)`,
			[input.residentId, user.rwId]
		);
		const row = rows[0];
		if (!row) return { ok: false as const, reason: 'not_found' as const };
		await tx.query(
			`insert into pii_access_log (rw_id, actor_id, resident_id, household_id, field, reason, ip)
			 values ($1, $2, $3, $4, $5, $6, $7)`,
			[user.rwId, user.id, input.residentId, row.household_id, input.field, input.reason, input.ip]
		);
		const value = input.field === 'nik' ? decryptPii(keys, 'nik', row.nik_enc) : decryptPii(keys, 'kk', row.kk_enc);
		return { ok: true as const, value };
	});
}

export interface PiiAccessRow {
	at: string;
	actor_name: string;
	resident_name: string | null;
	field: string;
	reason: string;
}

/** The reveal log of the RW (RLS: RW admin only). */
export function listPiiAccess(db: Database, user: SessionUser, limit = 100): Promise<PiiAccessRow[]> {
	return queryAsUser<PiiAccessRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select l.at, u.name as actor_name, r.name as resident_name, l.field, l.reason
		   from pii_access_log l join app_user u on u.id = l.actor_id
		   left join resident r on r.id = l.resident_id
		  where l.rw_id = $1 order by l.at desc limit $2`,
		[user.rwId, limit]
	);
}
