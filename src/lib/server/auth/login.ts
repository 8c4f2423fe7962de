import type { Database } from '../db';
import { audit } from '../audit';
import { burnVerify, verifyPassword } from './passwords';
import { clearAttempts, forgiveAttempt, LIMITS, takeAttempt } from './rate-limit';
import { createSession, deleteSession } from './sessions';

export type LoginResult =
	| { ok: true; token: string; expiresAt: Date; userId: string }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Phone + password login. Unknown phone and wrong password answer alike (and take
 * the same time). Attempts count per phone and per address before the password is
 * checked; past the limit the phone (or address) is locked for the rest of the
 * window, and a successful login gives its attempt back. A successful login rotates the
 * session: the old token (if any) is deleted and a new one issued.
 */
export async function login(
	db: Database,
	input: { phone: string; password: string; ip: string; userAgent: string; previousToken?: string; sessionDays: number }
): Promise<LoginResult> {
	const phoneKey = `login:phone:${input.phone}`;
	const ipKey = `login:ip:${input.ip}`;
	const wait = await takeAttempt(db, [
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
		if (user) await audit(db, { rwId: user.rw_id, actorId: user.id, action: 'login.failed', ip: input.ip });
		return { ok: false, reason: 'invalid' };
	}

	await clearAttempts(db, phoneKey);
	await forgiveAttempt(db, [ipKey]);
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
