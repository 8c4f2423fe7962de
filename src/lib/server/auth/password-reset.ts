import { withUser, type Database } from '../db';
import { audit } from '../audit';
import { hashPassword } from './passwords';
import { clearAttempts, forgiveAttempt, LIMITS, takeAttempt } from './rate-limit';
import { deleteUserSessions, type SessionUser } from './sessions';
import { newCode, normalizeCode, sha256 } from './tokens';
import { may } from '$lib/domain/permissions';

const VALID_HOURS = 24;

/**
 * The RW admin issues a one-time reset code for a member of their RW and hands it
 * over in person or by phone (no e-mail or SMS gateway is assumed).
 */
export async function issueResetCode(
	db: Database,
	admin: SessionUser,
	targetUserId: string
): Promise<{ ok: true; code: string } | { ok: false; reason: 'forbidden' | 'not_found' }> {
	if (!may(admin, 'members.manage')) return { ok: false, reason: 'forbidden' };
	const code = newCode(8);
	const issued = await withUser(db, { sub: admin.id, rw_id: admin.rwId }, async (tx) => {
		const member = await tx.query('select 1 from membership where user_id = $1 and rw_id = $2 limit 1', [
			targetUserId,
			admin.rwId
		]);
		if (member.length === 0) return false;
		await tx.query(
			`insert into password_reset (rw_id, user_id, code_hash, created_by, expires_at)
			 values ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
			[admin.rwId, targetUserId, sha256(normalizeCode(code)), admin.id, VALID_HOURS]
		);
		await audit(tx, { rwId: admin.rwId, actorId: admin.id, action: 'password_reset.issue', target: targetUserId });
		return true;
	});
	return issued ? { ok: true, code } : { ok: false, reason: 'not_found' };
}

export type ResetResult =
	| { ok: true }
	| { ok: false; reason: 'invalid_code' }
	| { ok: false; reason: 'locked'; retryAfterSeconds: number };

/** Sets a new password with a valid code; the code is spent and every session ends. */
export async function resetPassword(
	db: Database,
	input: { phone: string; code: string; password: string; ip: string }
): Promise<ResetResult> {
	const phoneKey = `reset:phone:${input.phone}`;
	const ipKey = `reset:ip:${input.ip}`;
	const wait = await takeAttempt(db, [
		[phoneKey, LIMITS.redeemPerPhone],
		[ipKey, LIMITS.redeemPerIp]
	]);
	if (wait > 0) return { ok: false, reason: 'locked', retryAfterSeconds: wait };

	const passwordHash = await hashPassword(input.password);
	const userId = await db.transaction(async (tx) => {
		const rows = await tx.query<{ id: string; user_id: string; rw_id: string }>(
			`select r.id, r.user_id, r.rw_id from password_reset r join app_user u on u.id = r.user_id
			  where u.phone = $1 and r.code_hash = $2 and r.used_at is null and r.expires_at > now()
			  for update of r`,
			[input.phone, sha256(normalizeCode(input.code))]
		);
		const reset = rows[0];
		if (!reset) return null;
		await tx.query('update password_reset set used_at = now() where id = $1', [reset.id]);
		await tx.query('update app_user set password_hash = $2 where id = $1', [reset.user_id, passwordHash]);
		await audit(tx, { rwId: reset.rw_id, actorId: reset.user_id, action: 'password_reset.redeem', ip: input.ip });
		return reset.user_id;
	});
	if (!userId) return { ok: false, reason: 'invalid_code' };
	await clearAttempts(db, phoneKey);
	await forgiveAttempt(db, [ipKey]);
	await deleteUserSessions(db, userId);
	return { ok: true };
}
