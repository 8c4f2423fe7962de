import type { Database } from '../db';
import { audit } from '../audit';
import { burnVerify, verifyPassword } from './passwords';
import { clearFailures, LIMITS, lockedForAny, recordFailure } from './rate-limit';
import { createSession, deleteSession } from './sessions';

export type LoginResult =
	| { ok: true; token: string; expiresAt: Date; userId: string }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Phone + password login. Unknown phone and wrong password answer alike (and take
 * the same time). Failures count per phone and per address; past the limit the
 * phone is locked for the rest of the window. A successful login rotates the
 * session: the old token (if any) is deleted and a new one issued.
 */
export async function login(
	db: Database,
	input: { phone: string; password: string; ip: string; userAgent: string; previousToken?: string; sessionDays: number }
): Promise<LoginResult> {
	const phoneKey = `login:phone:${input.phone}`;
	const ipKey = `login:ip:${input.ip}`;
	const wait = await lockedForAny(db, [
		[phoneKey, LIMITS.loginPerPhone],
		[ipKey, LIMITS.loginPerIp]
	]);
	if (wait > 0) return { ok: false, reason: 'locked', retryAfterSeconds: wait };

	const rows = await db.query<{ id: string; password_hash: string; rw_id: string | null }>(
		`select u.id, u.password_hash,
		        (select m.rw_id from membership m where m.user_id = u.id order by m.created_at limit 1) as rw_id
		   from app_user u where u.phone = $1 and u.disabled_at is null`,
		[input.phone]
	);
	const user = rows[0];
	const valid = user ? await verifyPassword(user.password_hash, input.password) : (await burnVerify(input.password), false);
	if (!user || !valid) {
		await recordFailure(db, phoneKey, LIMITS.loginPerPhone);
		await recordFailure(db, ipKey, LIMITS.loginPerIp);
		if (user) await audit(db, { rwId: user.rw_id, actorId: user.id, action: 'login.failed', ip: input.ip });
		return { ok: false, reason: 'invalid' };
	}

	await clearFailures(db, phoneKey);
	if (input.previousToken) await deleteSession(db, input.previousToken);
	const session = await createSession(db, {
		userId: user.id,
		rwId: user.rw_id,
		days: input.sessionDays,
		userAgent: input.userAgent,
		ip: input.ip
	});
	await audit(db, { rwId: user.rw_id, actorId: user.id, action: 'login', ip: input.ip });
	return { ok: true, token: session.token, expiresAt: session.expiresAt, userId: user.id };
}
