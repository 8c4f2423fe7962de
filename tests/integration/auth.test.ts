import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../src/lib/server/auth/login';
import { issueResetCode, resetPassword } from '../../src/lib/server/auth/password-reset';
import { LIMITS } from '../../src/lib/server/auth/rate-limit';
import { cacheSessions, deleteSession, readSession, SessionCache } from '../../src/lib/server/auth/sessions';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, TEST_PASSWORD, uniquePhone, type TestRw } from '../factories/tenancy';

let db: Database;
let rw: TestRw;
beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 2);
});
afterAll(async () => db?.close());

const attempt = (phone: string, password: string, extra: { ip?: string; previousToken?: string } = {}) =>
	login(db, { phone, password, ip: extra.ip ?? '10.0.0.1', userAgent: 'test', previousToken: extra.previousToken, sessionDays: 30 });

describe('login', () => {
	it('logs in with the right password, stores only a hash of the token, and loads roles', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		const result = await attempt(member.phone, TEST_PASSWORD);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const stored = await db.query<{ id: string }>('select id from session where user_id = $1', [member.id]);
		expect(stored.some((s) => s.id === result.token)).toBe(false);
		const session = await readSession(db, result.token, 30);
		expect(session?.roles).toEqual(['treasurer']);
		expect(session?.rwId).toBe(rw.id);
	});

	it('answers a wrong password and an unknown phone alike', async () => {
		const member = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		expect(await attempt(member.phone, 'salah-sandi')).toEqual({ ok: false, reason: 'invalid' });
		expect(await attempt(uniquePhone(), TEST_PASSWORD)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('locks a phone after repeated failures, even for the right password, and keeps no session', async () => {
		const member = await makeMember(db, rw, 'rw_admin');
		for (let i = 0; i < LIMITS.loginPerPhone.max; i++) {
			expect((await attempt(member.phone, `wrong-${i}`, { ip: `10.1.0.${i}` })).ok).toBe(false);
		}
		const locked = await attempt(member.phone, TEST_PASSWORD, { ip: '10.1.0.99' });
		expect(locked.ok).toBe(false);
		expect(locked).toMatchObject({ reason: 'locked' });
		if (!locked.ok && locked.reason === 'locked') expect(locked.retryAfterSeconds).toBeGreaterThan(0);
		const sessions = await db.query('select 1 from session where user_id = $1 and created_at > now() - interval \'1 minute\' and ip = $2', [member.id, '10.1.0.99']);
		expect(sessions).toHaveLength(0);
	});

	it('locks an address that tries many phones', async () => {
		for (let i = 0; i < LIMITS.loginPerIp.max; i++) await attempt(uniquePhone(), 'x', { ip: '10.9.9.9' });
		const member = await makeMember(db, rw, 'security_officer');
		expect(await attempt(member.phone, TEST_PASSWORD, { ip: '10.9.9.9' })).toMatchObject({ ok: false, reason: 'locked' });
		expect((await attempt(member.phone, TEST_PASSWORD, { ip: '10.9.9.10' })).ok).toBe(true);
	});

	it('writes every login and failed login to the audit log, with the address and never the password', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		expect((await attempt(member.phone, 'sandi-keliru-1', { ip: '10.5.0.1' })).ok).toBe(false);
		expect((await attempt(member.phone, TEST_PASSWORD, { ip: '10.5.0.2' })).ok).toBe(true);
		const log = await db.query<{ rw_id: string; action: string; ip: string; detail: unknown }>(
			'select rw_id, action, ip, detail from audit_log where actor_id = $1 order by id',
			[member.id]
		);
		expect(log.map(({ action, ip, rw_id }) => ({ action, ip, rw_id }))).toEqual([
			{ action: 'login.failed', ip: '10.5.0.1', rw_id: rw.id },
			{ action: 'login', ip: '10.5.0.2', rw_id: rw.id }
		]);
		expect(JSON.stringify(log)).not.toContain('sandi-keliru-1');
	});

	it('rotates the session on login: the previous token stops working', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		expect(await readSession(db, member.token, 30)).not.toBeNull();
		const result = await attempt(member.phone, TEST_PASSWORD, { previousToken: member.token });
		expect(result.ok).toBe(true);
		expect(await readSession(db, member.token, 30)).toBeNull();
	});

	it('extends a session used past half its life, and only then', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		const before = (await readSession(db, member.token, 30))!.expiresAt.getTime();
		expect((await readSession(db, member.token, 30))!.expiresAt.getTime()).toBe(before);
		await db.query(`update session set expires_at = now() + interval '1 day' where user_id = $1`, [member.id]);
		const extended = (await readSession(db, member.token, 30))!.expiresAt.getTime();
		expect(extended - Date.now()).toBeGreaterThan(29 * 86_400_000);
	});

	it('rejects expired, forged and malformed session tokens', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		await db.query(`update session set expires_at = now() - interval '1 second' where user_id = $1`, [member.id]);
		expect(await readSession(db, member.token, 30)).toBeNull();
		expect(await readSession(db, 'A'.repeat(43), 30)).toBeNull();
		expect(await readSession(db, "' or 1=1 --", 30)).toBeNull();
	});

	it('refuses a disabled user', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		await db.query('update app_user set disabled_at = now() where id = $1', [member.id]);
		expect(await readSession(db, member.token, 30)).toBeNull();
		expect((await attempt(member.phone, TEST_PASSWORD)).ok).toBe(false);
	});
});

describe('password reset by one-time code', () => {
	it('lets the RW admin issue a code that works once and ends old sessions', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const member = await makeMember(db, rw, 'resident', { houseId: rw.houses[1]!.id });
		const issued = await issueResetCode(db, admin, member.id);
		expect(issued.ok).toBe(true);
		if (!issued.ok) return;
		expect(await resetPassword(db, { phone: member.phone, code: issued.code.toLowerCase(), password: 'sandi-baru-123', ip: '10.2.0.1' })).toEqual({ ok: true });
		expect(await readSession(db, member.token, 30)).toBeNull();
		expect((await attempt(member.phone, 'sandi-baru-123', { ip: '10.2.0.2' })).ok).toBe(true);
		expect(await resetPassword(db, { phone: member.phone, code: issued.code, password: 'lagi-lagi-123', ip: '10.2.0.1' })).toEqual({
			ok: false,
			reason: 'invalid_code'
		});
	});

	it('refuses an expired code and leaves the password as it was', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const member = await makeMember(db, rw, 'treasurer');
		const issued = await issueResetCode(db, admin, member.id);
		if (!issued.ok) throw new Error(issued.reason);
		// Valid for 24 hours: a day and a second later it no longer works.
		const [code] = await db.query<{ hours: number }>(`select extract(epoch from expires_at - created_at) / 3600 as hours from password_reset where user_id = $1`, [member.id]);
		expect(Number(code!.hours)).toBeCloseTo(24, 1);
		await db.query(`update password_reset set expires_at = now() - interval '1 second' where user_id = $1`, [member.id]);
		expect(await resetPassword(db, { phone: member.phone, code: issued.code, password: 'sandi-baru-123', ip: '10.3.0.1' })).toEqual({ ok: false, reason: 'invalid_code' });
		expect((await attempt(member.phone, TEST_PASSWORD, { ip: '10.3.0.2' })).ok).toBe(true);
		expect(await readSession(db, member.token, 30)).not.toBeNull();
	});

	it('locks redemption for a phone, and for an address, after repeated wrong codes, even for the right code', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const member = await makeMember(db, rw, 'security_officer');
		const issued = await issueResetCode(db, admin, member.id);
		if (!issued.ok) throw new Error(issued.reason);
		for (let i = 0; i < LIMITS.redeemPerPhone.max; i++) {
			expect(await resetPassword(db, { phone: member.phone, code: `SALAH${i}`, password: 'sandi-baru-123', ip: `10.4.0.${i}` })).toEqual({ ok: false, reason: 'invalid_code' });
		}
		const locked = await resetPassword(db, { phone: member.phone, code: issued.code, password: 'sandi-baru-123', ip: '10.4.1.1' });
		expect(locked).toMatchObject({ ok: false, reason: 'locked' });
		if (!locked.ok && locked.reason === 'locked') expect(locked.retryAfterSeconds).toBeGreaterThan(0);
		// The code was not spent: it stays unused while the phone is locked.
		expect(await db.query('select 1 from password_reset where user_id = $1 and used_at is null', [member.id])).toHaveLength(1);

		// One address trying codes for many phones is locked too.
		for (let i = 0; i < LIMITS.redeemPerIp.max; i++) await resetPassword(db, { phone: uniquePhone(), code: 'SALAH', password: 'sandi-baru-123', ip: '10.4.9.9' });
		const other = await makeMember(db, rw, 'treasurer');
		const second = await issueResetCode(db, admin, other.id);
		if (!second.ok) throw new Error(second.reason);
		expect(await resetPassword(db, { phone: other.phone, code: second.code, password: 'sandi-baru-123', ip: '10.4.9.9' })).toMatchObject({ ok: false, reason: 'locked' });
		expect(await resetPassword(db, { phone: other.phone, code: second.code, password: 'sandi-baru-123', ip: '10.4.9.10' })).toEqual({ ok: true });
	});

	it('refuses codes for members of another RW and from non-admins', async () => {
		const otherRw = await makeRw(db, 1, 1);
		const admin = await makeMember(db, rw, 'rw_admin');
		const stranger = await makeMember(db, otherRw, 'treasurer');
		expect(await issueResetCode(db, admin, stranger.id)).toEqual({ ok: false, reason: 'not_found' });
		const treasurer = await makeMember(db, rw, 'treasurer');
		expect(await issueResetCode(db, treasurer, admin.id)).toEqual({ ok: false, reason: 'forbidden' });
		const codes = await db.query('select 1 from password_reset where user_id = $1', [stranger.id]);
		expect(codes).toHaveLength(0);
	});
});

describe('session cache', () => {
	let cached: Database;
	let cachedRw: TestRw;
	let clock = 0;
	const cache = new SessionCache(10_000, 3, () => clock);
	beforeAll(async () => {
		cached = await freshDatabase();
		cachedRw = await makeRw(cached, 1, 1);
		cacheSessions(cached, cache);
	});
	afterAll(async () => cached?.close());

	it('reuses a verified session for its time to live, then reads the row again', async () => {
		clock = Date.now();
		const member = await makeMember(cached, cachedRw, 'treasurer');
		const first = await readSession(cached, member.token, 30);
		expect(first?.roles).toEqual(['treasurer']);
		expect(Object.isFrozen(first) && Object.isFrozen(first!.roles)).toBe(true);
		// Removed behind the app's back (another instance, SQL): still served until the TTL ends.
		await cached.query('delete from session where user_id = $1', [member.id]);
		expect(await readSession(cached, member.token, 30)).toBe(first);
		clock += 10_000;
		expect(await readSession(cached, member.token, 30)).toBeNull();
	});

	it('forgets a session at once on logout and on password reset', async () => {
		clock = Date.now();
		const admin = await makeMember(cached, cachedRw, 'rw_admin');
		const member = await makeMember(cached, cachedRw, 'resident', { houseId: cachedRw.houses[0]!.id });
		expect(await readSession(cached, member.token, 30)).not.toBeNull();
		await deleteSession(cached, member.token);
		expect(await readSession(cached, member.token, 30)).toBeNull();

		const again = await login(cached, { phone: member.phone, password: TEST_PASSWORD, ip: '10.4.0.1', userAgent: 'test', sessionDays: 30 });
		if (!again.ok) throw new Error('login');
		expect(await readSession(cached, again.token, 30)).not.toBeNull();
		const issued = await issueResetCode(cached, admin, member.id);
		if (!issued.ok) throw new Error('reset code');
		expect(await resetPassword(cached, { phone: member.phone, code: issued.code, password: 'sandi-baru-456', ip: '10.4.0.2' })).toEqual({ ok: true });
		expect(await readSession(cached, again.token, 30)).toBeNull();
	});

	it('does not cache a session read that was in flight while it was logged out', async () => {
		clock = Date.now();
		const member = await makeMember(cached, cachedRw, 'treasurer');
		clock += 10_000; // the entry makeMember's own read left has expired: the next read queries
		// The read starts (its SELECT is queued) before the logout deletes the row…
		const inFlight = readSession(cached, member.token, 30);
		await deleteSession(cached, member.token);
		expect((await inFlight)?.id).toBe(member.id);
		// …and whatever it read must not come back from the cache.
		expect(await readSession(cached, member.token, 30)).toBeNull();
	});

	it('does not serve a session past its expiry, and keeps at most its size', async () => {
		clock = Date.now();
		const members = [];
		for (let i = 0; i < 4; i++) members.push(await makeMember(cached, cachedRw, 'security_officer'));
		for (const m of members) expect(await readSession(cached, m.token, 30)).not.toBeNull();
		expect(cache.size).toBe(3);
		// Expiring within the TTL: the cached copy knows its expiry.
		const [last] = members.slice(-1);
		const user = await readSession(cached, last!.token, 30);
		clock = user!.expiresAt.getTime();
		await cached.query(`update session set expires_at = now() - interval '1 second' where user_id = $1`, [last!.id]);
		expect(await readSession(cached, last!.token, 30)).toBeNull();
	});
});
