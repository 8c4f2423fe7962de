import { inviteAction, type Role } from '$lib/domain/roles';
import { may, mayAnywhere } from '$lib/domain/permissions';
import { queryAsUser, withUser, type Database } from '../db';
import { audit } from '../audit';
import { hashPassword, verifyPassword } from './passwords';
import { clearAttempts, forgiveAttempt, LIMITS, takeAttempt } from './rate-limit';
import { createSession, forgetUserSessions } from './sessions';
import { newCode, normalizeCode, sha256 } from './tokens';
import type { SessionUser } from './sessions';
import { linkByPhone } from '../registry/records';

export interface NewInvite {
	role: Role;
	rtId: string | null;
	houseId: string | null;
	note: string;
	validDays: number;
}

export type CreateInviteResult = { ok: true; code: string; expiresAt: Date } | { ok: false; reason: 'forbidden' | 'needs_rt' };

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * An RT head invites residents of their RT (bound to a house); the RW admin invites
 * any role (canInvite in src/lib/domain/roles.ts). RLS checks the same rule again on insert.
 */
export async function createInvite(db: Database, user: SessionUser, input: NewInvite): Promise<CreateInviteResult> {
	if (!mayAnywhere(user, inviteAction(input.role))) return { ok: false, reason: 'forbidden' };
	if ((input.role === 'resident' || input.role === 'rt_head') && !input.rtId) return { ok: false, reason: 'needs_rt' };
	if (input.rtId && !may(user, inviteAction(input.role), { rtId: input.rtId })) {
		return { ok: false, reason: 'forbidden' };
	}
	const code = newCode();
	const rwId = user.rwId;
	const rows = await withUser(db, claimsOf(user), async (tx) => {
		if (input.houseId) {
			// The house must be in the RT and visible to the inviter (RLS on house).
			const house = await tx.query('select 1 from house where id = $1 and rt_id = $2', [input.houseId, input.rtId]);
			if (house.length === 0) return null;
		}
		const inserted = await tx.query<{ id: string; expires_at: Date | string }>(
			`insert into invite (rw_id, code_hash, code_hint, role, rt_id, house_id, note, created_by, expires_at)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(days => $9))
			 returning id, expires_at`,
			[rwId, sha256(normalizeCode(code)), code.slice(-2), input.role, input.rtId, input.houseId, input.note, user.id, input.validDays]
		);
		await audit(tx, { rwId, actorId: user.id, action: 'invite.create', target: inserted[0]!.id, detail: { role: input.role } });
		return inserted;
	});
	if (!rows) return { ok: false, reason: 'forbidden' };
	return { ok: true, code, expiresAt: new Date(rows[0]!.expires_at) };
}

export interface InviteListItem {
	id: string;
	code_hint: string;
	role: Role;
	rt_number: number | null;
	house_label: string | null;
	note: string;
	created_at: string;
	expires_at: string;
	used_at: string | null;
	used_by_name: string | null;
	revoked_at: string | null;
}

/** Invites the user may see (RLS: the RW admin all, an RT head their RT's residents). */
export function listInvites(db: Database, user: SessionUser): Promise<InviteListItem[]> {
	return queryAsUser<InviteListItem>(
		db,
		claimsOf(user),
		`select i.id, i.code_hint, i.role, rt.number as rt_number,
		        nullif(trim(h.block || ' ' || h.number), '') as house_label, i.note,
		        i.created_at, i.expires_at, i.used_at, u.name as used_by_name, i.revoked_at
		   from invite i
		   left join rt on rt.id = i.rt_id
		   left join house h on h.id = i.house_id
		   left join app_user u on u.id = i.used_by
		  where i.rw_id = $1
		  order by i.created_at desc limit 100`,
		[user.rwId]
	);
}

export async function revokeInvite(db: Database, user: SessionUser, inviteId: string): Promise<boolean> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query(
			`update invite set revoked_at = now() where id = $1 and rw_id = $2 and used_at is null and revoked_at is null returning id`,
			[inviteId, user.rwId]
		);
		if (rows.length > 0) await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'invite.revoke', target: inviteId });
		return rows.length > 0;
	});
}

export type RedeemResult =
	| { ok: true; token: string; userId: string; rwId: string }
	| { ok: false; reason: 'invalid_code' | 'expired' | 'used' | 'wrong_password' | 'already_member' }
	| { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Joining with an invite code: creates the account (or, for a phone that already
 * has one, checks its password) and the membership the invite grants, in one
 * transaction; the invite can be used once. Rate-limited per address and phone.
 */
export async function redeemInvite(
	db: Database,
	input: { code: string; name: string; phone: string; password: string; ip: string; userAgent: string; sessionDays: number }
): Promise<RedeemResult> {
	const ipKey = `redeem:ip:${input.ip}`;
	const phoneKey = `redeem:phone:${input.phone}`;
	const wait = await takeAttempt(db, [
		[ipKey, LIMITS.redeemPerIp],
		[phoneKey, LIMITS.redeemPerPhone]
	]);
	if (wait > 0) return { ok: false, reason: 'locked', retryAfterSeconds: wait };

	const newHash = await hashPassword(input.password);
	const outcome = await db.transaction(async (tx) => {
		const invites = await tx.query<{
			id: string;
			rw_id: string;
			role: Role;
			rt_id: string | null;
			house_id: string | null;
			expired: boolean;
			used_at: string | null;
			revoked_at: string | null;
		}>(
			`select id, rw_id, role, rt_id, house_id, expires_at <= now() as expired, used_at, revoked_at
			   from invite where code_hash = $1 for update`,
			[sha256(normalizeCode(input.code))]
		);
		const invite = invites[0];
		if (!invite || invite.revoked_at) return { ok: false as const, reason: 'invalid_code' as const };
		if (invite.used_at) return { ok: false as const, reason: 'used' as const };
		if (invite.expired) return { ok: false as const, reason: 'expired' as const };

		const existing = await tx.query<{ id: string; password_hash: string }>(
			'select id, password_hash from app_user where phone = $1',
			[input.phone]
		);
		let userId: string;
		if (existing[0]) {
			if (!(await verifyPassword(existing[0].password_hash, input.password))) {
				return { ok: false as const, reason: 'wrong_password' as const };
			}
			userId = existing[0].id;
		} else {
			const created = await tx.query<{ id: string }>(
				'insert into app_user (phone, name, password_hash) values ($1, $2, $3) returning id',
				[input.phone, input.name, newHash]
			);
			userId = created[0]!.id;
		}
		const membership = await tx.query(
			`insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, $3, $4, $5)
			 on conflict (user_id, rw_id, role, rt_id) do nothing returning id`,
			[userId, invite.rw_id, invite.role, invite.rt_id, invite.house_id]
		);
		if (membership.length === 0) return { ok: false as const, reason: 'already_member' as const };
		await tx.query('update invite set used_at = now(), used_by = $2 where id = $1', [invite.id, userId]);
		// A member finds their household at once when the registry already lists them in
		// their RT (and house) with this phone (the usual order: import, then invite).
		if (invite.rt_id) await linkByPhone(tx, { userId, rwId: invite.rw_id });
		await audit(tx, {
			rwId: invite.rw_id,
			actorId: userId,
			action: 'invite.redeem',
			target: invite.id,
			detail: { role: invite.role },
			ip: input.ip
		});
		return { ok: true as const, userId, rwId: invite.rw_id };
	});

	if (!outcome.ok) {
		// A member joining again guessed nothing: that attempt is not a failure.
		if (outcome.reason === 'already_member') await forgiveAttempt(db, [ipKey, phoneKey]);
		return outcome;
	}
	await clearAttempts(db, phoneKey);
	await forgiveAttempt(db, [ipKey]);
	// An existing user's open sessions gain the new role now, not when their cache entry ends.
	forgetUserSessions(db, outcome.userId);
	const session = await createSession(db, {
		userId: outcome.userId,
		rwId: outcome.rwId,
		days: input.sessionDays,
		userAgent: input.userAgent,
		ip: input.ip
	});
	return { ok: true, token: session.token, userId: outcome.userId, rwId: outcome.rwId };
}
