import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listenForSessionChanges, type SessionChanges } from '../../src/lib/server/auth/session-changes';
import { cacheSessions, deleteSession, readSession, SessionCache } from '../../src/lib/server/auth/sessions';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import type { Database } from '../../src/lib/server/db/types';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Two app instances on one real PostgreSQL, as two session services: each has its own
// database handle and its own session cache, with a time to live far longer than the
// test waits, so only the notification can make the other instance forget.
const url = process.env.DATABASE_URL;
const template = inject('postgresTemplate');

describe.skipIf(!url || !template)('session changes reach other instances at once (PostgreSQL)', () => {
	const name = `rukun_t_${randomBytes(6).toString('hex')}`;
	let admin: ReturnType<typeof postgres>;
	let a: Database;
	let b: Database;
	let listeners: SessionChanges[] = [];
	const heard: string[] = [];
	let rw: TestRw;

	beforeAll(async () => {
		admin = postgres(url!, { max: 1, onnotice: () => {} });
		await admin.unsafe(`create database ${name} template ${template}`);
		const dbUrl = new URL(url!);
		dbUrl.pathname = `/${name}`;
		a = await openPostgresThread(dbUrl.toString(), { max: 2 });
		b = await openPostgresThread(dbUrl.toString(), { max: 2 });
		const cacheA = new SessionCache(600_000);
		const cacheB = new SessionCache(600_000);
		cacheSessions(a, cacheA);
		cacheSessions(b, cacheB);
		listeners = [
			await listenForSessionChanges(dbUrl.toString(), cacheA),
			await listenForSessionChanges(dbUrl.toString(), cacheB, { onChange: (id) => heard.push(id) })
		];
		rw = await makeRw(a, 1, 1);
	});
	afterAll(async () => {
		for (const l of listeners) await l.close();
		await a?.close();
		await b?.close();
		await admin?.unsafe(`drop database if exists ${name} with (force)`);
		await admin?.end();
	});

	/** Waits for instance B to see what A changed: B's cached answer must change long before its cache would end. */
	const onB = (token: string) => expect.poll(() => readSession(b, token, 30), { timeout: 5_000, interval: 20 });

	it('a logout on one instance ends the session on the other', async () => {
		const member = await makeMember(a, rw, 'resident', { houseId: rw.houses[0]!.id });
		expect((await readSession(a, member.token, 30))?.id).toBe(member.id);
		expect((await readSession(b, member.token, 30))?.id).toBe(member.id);
		await deleteSession(a, member.token);
		await onB(member.token).toBeNull();
		expect(heard).toContain(member.id);
	});

	it('a role given or taken on one instance shows on the other', async () => {
		const member = await makeMember(a, rw, 'treasurer');
		expect((await readSession(b, member.token, 30))?.roles).toEqual(['treasurer']);
		await a.query(`insert into membership (user_id, rw_id, role) values ($1, $2, 'rw_admin')`, [member.id, rw.id]);
		await onB(member.token).toMatchObject({ roles: expect.arrayContaining(['treasurer', 'rw_admin']) });
		await a.query(`delete from membership where user_id = $1 and role = 'rw_admin'`, [member.id]);
		await onB(member.token).toMatchObject({ roles: ['treasurer'] });
	});

	it('a disabled account is shut out on the other instance', async () => {
		const member = await makeMember(a, rw, 'security_officer');
		expect(await readSession(b, member.token, 30)).not.toBeNull();
		await a.query('update app_user set disabled_at = now() where id = $1', [member.id]);
		await onB(member.token).toBeNull();
	});
});
