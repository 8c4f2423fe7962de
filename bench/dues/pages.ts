import type { Database } from '../../src/lib/server/db';
import { createSession, readSession, type SessionUser } from '../../src/lib/server/auth/sessions';
import { monthlyReport } from '../../src/lib/server/dues/book';
import { housesBehind, residentDues, treasurerDashboard } from '../../src/lib/server/dues/views';
import { monthOf } from '../../src/lib/domain/dues';
import { DEMO_RW } from '../../src/lib/server/seed/demo';

/** A demo user of the seeded RW (`seed:scale`) by phone, signed in as the app would (a new session, read back). */
async function demoUser(db: Database, phone: string): Promise<SessionUser> {
	const [row] = await db.query<{ id: string }>('select id from app_user where phone like $1', [`%${phone.slice(1)}`]);
	if (!row) throw new Error(`no demo user ${phone}: run npm run seed:scale first`);
	const [rw] = await db.query<{ id: string }>('select id from rw where code = $1', [DEMO_RW.code]);
	const { token } = await createSession(db, { userId: row.id, rwId: rw!.id, days: 1 });
	return (await readSession(db, token, 1))!;
}

/** The loads of the dues pages `bench:http --scenario dues` measures (and the list behind's second page), as the demo treasurer and resident. */
export async function duesPages(db: Database, now: Date): Promise<[string, (d: Database) => Promise<unknown>][]> {
	const treasurer = await demoUser(db, '081200000004');
	const resident = await demoUser(db, '081200000001');
	return [
		['/treasurer', (d) => treasurerDashboard(d, treasurer, now)],
		['/treasurer/tunggakan?hal=2', (d) => housesBehind(d, treasurer, 2)],
		['/iuran/laporan', (d) => monthlyReport(d, resident, monthOf(now))],
		['/iuran (resident)', (d) => residentDues(d, resident, now)]
	];
}
