import { randomInt } from 'node:crypto';
import type { Database } from '../../src/lib/server/db/types';
import type { Role } from '../../src/lib/domain/roles';
import { hashPassword } from '../../src/lib/server/auth/passwords';
import { readSession, createSession, type SessionUser } from '../../src/lib/server/auth/sessions';

let rwCounter = 100;
let phoneCounter = 0;

export interface TestRw {
	id: string;
	code: string;
	rts: { id: string; number: number }[];
	houses: { id: string; rtId: string }[];
}

/** An RW with `rts` RTs and `housesPerRt` houses each, written as the system (no RLS). */
export async function makeRw(db: Database, rts = 2, housesPerRt = 3): Promise<TestRw> {
	const code = `RW${String(rwCounter++).padStart(3, '0')}`;
	const [rw] = await db.query<{ id: string }>(
		`insert into rw (code, name, kelurahan, city) values ($1, $2, 'Test', 'Jakarta') returning id`,
		[code, `RW ${code}`]
	);
	const result: TestRw = { id: rw!.id, code, rts: [], houses: [] };
	for (let n = 1; n <= rts; n++) {
		const [rt] = await db.query<{ id: string }>('insert into rt (rw_id, number, name) values ($1, $2, $3) returning id', [
			rw!.id,
			n,
			`RT ${n}`
		]);
		result.rts.push({ id: rt!.id, number: n });
		for (let h = 1; h <= housesPerRt; h++) {
			const [house] = await db.query<{ id: string }>(
				`insert into house (rw_id, rt_id, block, number) values ($1, $2, 'A', $3) returning id`,
				[rw!.id, rt!.id, String(h)]
			);
			result.houses.push({ id: house!.id, rtId: rt!.id });
		}
	}
	return result;
}

export function uniquePhone(): string {
	phoneCounter++;
	return `+62813${String(process.pid % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}${randomInt(10)}`;
}

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = 'kata-sandi-uji';

/** A user with one membership; returns the session user the app would see. */
export async function makeMember(
	db: Database,
	rw: TestRw,
	role: Role,
	options: { rtIndex?: number; houseId?: string; phone?: string; name?: string } = {}
): Promise<SessionUser & { token: string }> {
	cachedHash ??= hashPassword(TEST_PASSWORD);
	const phone = options.phone ?? uniquePhone();
	const [user] = await db.query<{ id: string }>(
		'insert into app_user (phone, name, password_hash) values ($1, $2, $3) returning id',
		[phone, options.name ?? `${role} ${phone}`, await cachedHash]
	);
	const needsRt = role === 'resident' || role === 'rt_head';
	const rtId = options.houseId
		? rw.houses.find((h) => h.id === options.houseId)!.rtId
		: needsRt
			? rw.rts[options.rtIndex ?? 0]!.id
			: null;
	await db.query('insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, $3, $4, $5)', [
		user!.id,
		rw.id,
		role,
		rtId,
		options.houseId ?? null
	]);
	const { token } = await createSession(db, { userId: user!.id, rwId: rw.id, days: 30 });
	const session = await readSession(db, token, 30);
	if (!session) throw new Error('session not readable');
	return { ...session, token };
}

export type TestMember = Awaited<ReturnType<typeof makeMember>>;

/** The RW admin and the heads of the RW's first two RTs: the staff most registry tests act as. */
export async function makeStaff(
	db: Database,
	rw: TestRw,
	names: { admin?: string; head1?: string; head2?: string } = {}
): Promise<{ admin: TestMember; head1: TestMember; head2: TestMember }> {
	const admin = await makeMember(db, rw, 'rw_admin', { name: names.admin });
	const head1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0, name: names.head1 });
	const head2 = await makeMember(db, rw, 'rt_head', { rtIndex: 1, name: names.head2 });
	return { admin, head1, head2 };
}
