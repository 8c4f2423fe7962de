import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../src/lib/server/auth/login';
import { issueResetCode, resetPassword } from '../../src/lib/server/auth/password-reset';
import { LIMITS } from '../../src/lib/server/auth/rate-limit';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, TEST_PASSWORD, uniquePhone, type TestRw } from '../factories/tenancy';

// Parallel attempts: the limit must hold when they all arrive before any is decided.
// On PostgreSQL they run on several connections at once (the race a check-then-count
// had); on PGlite they interleave around the slow password hash.
let db: Database;
let rw: TestRw;
beforeAll(async () => {
	db = await freshDatabase({ max: 8 });
	rw = await makeRw(db, 1, 2);
});
afterAll(async () => db?.close());

const attempt = (phone: string, password: string, ip: string) => login(db, { phone, password, ip, userAgent: 'test', sessionDays: 30 });
const tally = (results: { ok: boolean; reason?: string }[]) => ({
	invalid: results.filter((r) => !r.ok && r.reason === 'invalid').length,
	locked: results.filter((r) => !r.ok && r.reason === 'locked').length,
	ok: results.filter((r) => r.ok).length
});

describe('login limits under parallel attempts', () => {
	it('tries only 5 of 30 simultaneous wrong passwords for one phone', async () => {
		const member = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		const results = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(member.phone, `salah-${i}`, `10.20.0.${i}`)));
		expect(tally(results)).toEqual({ invalid: LIMITS.loginPerPhone.max, locked: 30 - LIMITS.loginPerPhone.max, ok: 0 });
		const failed = await db.query(`select 1 from audit_log where actor_id = $1 and action = 'login.failed'`, [member.id]);
		expect(failed).toHaveLength(LIMITS.loginPerPhone.max);
	});

	it('tries only 30 of 100 simultaneous attempts from one address', async () => {
		const results = await Promise.all(Array.from({ length: 100 }, () => attempt(uniquePhone(), 'salah-sandi', '10.21.0.1')));
		expect(tally(results)).toEqual({ invalid: LIMITS.loginPerIp.max, locked: 100 - LIMITS.loginPerIp.max, ok: 0 });
	});

	it('does not count a right password against the address', async () => {
		const member = await makeMember(db, rw, 'treasurer');
		for (let i = 0; i < LIMITS.loginPerIp.max + 5; i++) expect((await attempt(member.phone, TEST_PASSWORD, '10.22.0.1')).ok).toBe(true);
		expect(await attempt(uniquePhone(), 'salah-sandi', '10.22.0.1')).toEqual({ ok: false, reason: 'invalid' });
	});

	it('tries only 5 of 20 simultaneous reset codes for one phone', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const member = await makeMember(db, rw, 'resident', { houseId: rw.houses[1]!.id });
		const issued = await issueResetCode(db, admin, member.id);
		expect(issued.ok).toBe(true);
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) => resetPassword(db, { phone: member.phone, code: `WRONG${i}`, password: 'sandi-baru-123', ip: `10.23.0.${i}` }))
		);
		expect(results.filter((r) => !r.ok && r.reason === 'invalid_code')).toHaveLength(LIMITS.redeemPerPhone.max);
		expect(results.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(20 - LIMITS.redeemPerPhone.max);
	});
});
