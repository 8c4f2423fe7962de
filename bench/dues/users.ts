import type { Database } from '../../src/lib/server/db';
import { createSession, readSession, type SessionUser } from '../../src/lib/server/auth/sessions';
import { DEMO_RW } from '../../src/lib/server/seed/demo';

/** A demo user of the seeded RW (`seed:scale`) by phone, signed in as the app would (a new session, read back). */
export async function demoUser(db: Database, phone: string): Promise<SessionUser> {
	const [row] = await db.query<{ id: string }>('select id from app_user where phone like $1', [`%${phone.slice(1)}`]);
	if (!row) throw new Error(`no demo user ${phone}: run npm run seed:scale first`);
	const [rw] = await db.query<{ id: string }>('select id from rw where code = $1', [DEMO_RW.code]);
	const { token } = await createSession(db, { userId: row.id, rwId: rw!.id, days: 1 });
	return (await readSession(db, token, 1))!;
}
