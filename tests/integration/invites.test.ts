import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite, listInvites, redeemInvite, revokeInvite } from '../../src/lib/server/auth/invites';
import { cacheSessions, readSession, SessionCache } from '../../src/lib/server/auth/sessions';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, TEST_PASSWORD, uniquePhone, type TestRw } from '../factories/tenancy';

let db: Database;
let rw: TestRw;
beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
});
afterAll(async () => db?.close());

const redeem = (code: string, phone = uniquePhone(), password = 'sandi-warga-1', ip = '10.3.0.1') =>
	redeemInvite(db, { code, name: 'Warga Baru', phone, password, ip, userAgent: 'test', sessionDays: 30 });

const count = async (sql: string, params: unknown[] = []) =>
	(await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) q`, params))[0]!.n;

describe('invites', () => {
	it('lets an RT head invite a resident of a house in their RT, who joins bound to it', async () => {
		const head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
		const house = rw.houses.find((h) => h.rtId === rw.rts[0]!.id)!;
		const invite = await createInvite(db, head, { role: 'resident', rtId: rw.rts[0]!.id, houseId: house.id, note: 'Pak Budi', validDays: 7 });
		expect(invite.ok).toBe(true);
		if (!invite.ok) return;
		expect(invite.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
		const joined = await redeem(` ${invite.code.toLowerCase().replace(/-/g, ' ')} `);
		expect(joined.ok).toBe(true);
		if (!joined.ok) return;
		const session = await readSession(db, joined.token, 30);
		expect(session?.roles).toEqual(['resident']);
		expect(session?.houseId).toBe(house.id);
		expect(session?.rtId).toBe(rw.rts[0]!.id);
		const listed = await listInvites(db, head);
		expect(listed.find((i) => i.note === 'Pak Budi')?.used_by_name).toBe('Warga Baru');
	});

	it('refuses an RT head inviting other roles or into another RT, also directly in SQL', async () => {
		const head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
		expect(await createInvite(db, head, { role: 'treasurer', rtId: null, houseId: null, note: '', validDays: 7 })).toEqual({ ok: false, reason: 'forbidden' });
		expect(await createInvite(db, head, { role: 'resident', rtId: rw.rts[1]!.id, houseId: null, note: '', validDays: 7 })).toEqual({ ok: false, reason: 'forbidden' });
		await expect(
			withUser(db, { sub: head.id, rw_id: rw.id }, (tx) =>
				tx.query(
					`insert into invite (rw_id, code_hash, code_hint, role, rt_id, created_by, expires_at)
					 values ($1, 'x', 'xx', 'resident', $2, $3, now() + interval '1 day')`,
					[rw.id, rw.rts[1]!.id, head.id]
				)
			)
		).rejects.toThrow(/row-level security/);
		// A house from another RT cannot be bound either.
		const foreignHouse = rw.houses.find((h) => h.rtId === rw.rts[1]!.id)!;
		expect(await createInvite(db, head, { role: 'resident', rtId: rw.rts[0]!.id, houseId: foreignHouse.id, note: '', validDays: 7 })).toEqual({ ok: false, reason: 'forbidden' });
	});

	it('lets the RW admin invite any role', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const invite = await createInvite(db, admin, { role: 'security_officer', rtId: null, houseId: null, note: '', validDays: 1 });
		expect(invite.ok).toBe(true);
		if (!invite.ok) return;
		const joined = await redeem(invite.code);
		expect(joined.ok).toBe(true);
		if (joined.ok) expect((await readSession(db, joined.token, 30))?.roles).toEqual(['security_officer']);
	});

	it('refuses used, expired, revoked and unknown codes and writes nothing', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const make = async () => {
			const r = await createInvite(db, admin, { role: 'treasurer', rtId: null, houseId: null, note: '', validDays: 1 });
			if (!r.ok) throw new Error('invite');
			return r.code;
		};
		const used = await make();
		expect((await redeem(used)).ok).toBe(true);
		const usersBefore = await count('select 1 from app_user');
		expect(await redeem(used)).toEqual({ ok: false, reason: 'used' });

		const expired = await make();
		await db.query(`update invite set expires_at = now() - interval '1 minute' where code_hint = $1 and used_at is null`, [expired.slice(-2)]);
		expect(await redeem(expired)).toEqual({ ok: false, reason: 'expired' });

		const revoked = await make();
		const [row] = await listInvites(db, admin);
		expect(await revokeInvite(db, admin, row!.id)).toBe(true);
		expect(await redeem(revoked)).toEqual({ ok: false, reason: 'invalid_code' });
		expect(await redeem('ZZZZ-ZZZZ-ZZ')).toEqual({ ok: false, reason: 'invalid_code' });
		expect(await count('select 1 from app_user')).toBe(usersBefore);
	});

	it('adds a role to an existing account only with that account’s password', async () => {
		// Sessions cached as the app does: the open session must gain the role at once.
		cacheSessions(db, new SessionCache(3_600_000));
		const admin = await makeMember(db, rw, 'rw_admin');
		const existing = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		expect((await readSession(db, existing.token, 30))!.roles).toEqual(['resident']);
		const invite = await createInvite(db, admin, { role: 'treasurer', rtId: null, houseId: null, note: '', validDays: 1 });
		if (!invite.ok) throw new Error('invite');
		expect(await redeem(invite.code, existing.phone, 'not-the-password')).toEqual({ ok: false, reason: 'wrong_password' });
		expect(await count('select 1 from membership where user_id = $1', [existing.id])).toBe(1);
		const ok = await redeem(invite.code, existing.phone, TEST_PASSWORD, '10.3.0.2');
		expect(ok.ok).toBe(true);
		expect(await count('select 1 from membership where user_id = $1', [existing.id])).toBe(2);
		expect([...(await readSession(db, existing.token, 30))!.roles].sort()).toEqual(['resident', 'treasurer']);
		cacheSessions(db, new SessionCache(0));
	});

	it('rate-limits guessing codes from one address', async () => {
		for (let i = 0; i < 10; i++) await redeem(`AAAA-BBBB-${String(i).padStart(2, '2')}`, uniquePhone(), 'sandi-warga-1', '10.4.4.4');
		expect(await redeem('AAAA-BBBB-CC', uniquePhone(), 'sandi-warga-1', '10.4.4.4')).toMatchObject({ ok: false, reason: 'locked' });
	});
});
