import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, PERMISSIONS, may, type Action } from '../../src/lib/domain/permissions';
import { ROLES, type Role } from '../../src/lib/domain/roles';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database, Sql } from '../../src/lib/server/db/types';
import type { SessionUser } from '../../src/lib/server/auth/sessions';
import { freshDatabase } from '../factories/db';
import { makeHousehold, seedCatalogue, testPii } from '../factories/letters';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * One permissions model: for every role and every action, what permissions.ts answers
 * is what the database allows, both in app.may and in what Row Level Security lets
 * plain SQL do as that user (a probe per action, run in a transaction rolled back).
 */

let db: Database;
let rwA: TestRw;
let rwB: TestRw;
const users = {} as Record<Role, SessionUser>;

interface Place {
	label: string;
	rwId: string;
	rtId: string | null;
}
let rwPlaces: Place[];
let rtPlaces: Place[];

beforeAll(async () => {
	db = await freshDatabase();
	rwA = await makeRw(db, 2, 2);
	rwB = await makeRw(db, 1, 2);
	const pii = testPii();
	for (const role of ROLES) users[role] = await makeMember(db, rwA, role, { rtIndex: 0, ...(role === 'resident' ? { houseId: rwA.houses[0]!.id } : {}) });
	// Other members, so each RT and RW has someone to see or manage: a resident per RT, an RW admin and a treasurer in B.
	for (const [rw, i] of [[rwA, 1], [rwB, 0]] as const) await makeMember(db, rw, 'resident', { rtIndex: i });
	await makeMember(db, rwB, 'resident', { rtIndex: 0 });
	await makeMember(db, rwB, 'treasurer');
	const requester = users.resident;
	for (const rw of [rwA, rwB]) {
		await seedCatalogue(db, rw);
		await db.query(`insert into letter_settings (rw_id) values ($1) on conflict do nothing`, [rw.id]);
		await db.query(`insert into audit_log (rw_id, action) values ($1, 'test')`, [rw.id]);
		await db.query(`insert into device (id, rw_id, kind, name, secret_hash) values ($1, $2, 'panic', 'Tombol', 'x')`, [`panic-${rw.code.toLowerCase()}`, rw.id]);
		await db.query(`insert into panic_event (rw_id, device_id, seq, ts) values ($1, $2, 1, now())`, [rw.id, `panic-${rw.code.toLowerCase()}`]);
		await db.query(`insert into device (id, rw_id, kind, name, secret_hash) values ($1, $2, 'pump', 'Pompa', 'x')`, [`pump-${rw.code.toLowerCase()}`, rw.id]);
		await db.query(
			`insert into alarm (rw_id, device_id, type, severity, first_seen_at, last_seen_at) values ($1, $2, 'sensor_offline', 'major', now(), now())`,
			[rw.id, `panic-${rw.code.toLowerCase()}`]
		);
		// Panic incidents: one from a button in each RT (the press above made one with no RT).
		for (const rt of rw.rts) {
			await db.query(
				`insert into panic_incident (rw_id, rt_id, source, device_id, triggered_at) values ($1, $2, 'device', $3, now())`,
				[rw.id, rt.id, `panic-${rw.code.toLowerCase()}`]
			);
		}
		const [service] = await db.query<{ id: string }>(`select id from letter_service where rw_id = $1 and mode = 'online' limit 1`, [rw.id]);
		for (const rt of rw.rts) {
			// The second house of each RT, so the resident's own house (the first of RT 1) is not what is probed.
			const house = rw.houses.filter((h) => h.rtId === rt.id)[1]!;
			const { residentIds } = await makeHousehold(db, pii, rw, house.id, [{ name: 'Warga Uji' }]);
			// Complaints: one per RT, filed by the RT's probe household's own reporter (not a probed user).
			const reporter = await makeMember(db, rw, 'resident', { houseId: house.id });
			await db.query(
				`insert into complaint (rw_id, rt_id, category_id, reporter_id, title, description, is_public, lat, lng)
				 select $1, $2, id, $3, 'Got mampet', 'Air meluap', true, -6.2, 106.8 from complaint_category where rw_id = $1 and code = 'drainage'`,
				[rw.id, rt.id, reporter.id]
			);
			for (const status of ['submitted', 'rt_approved']) {
				await db.query(
					`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status) values ($1, $2, $3, $4, $5, $6)`,
					[rw.id, rt.id, service!.id, requester.id, residentIds[0], status]
				);
			}
		}
	}
	// Dues: an invoice on the second house of each RT (the rollups follow by trigger).
	for (const rw of [rwA, rwB]) {
		for (const rt of rw.rts) {
			const house = rw.houses.filter((h) => h.rtId === rt.id)[1]!;
			await db.query(
				`insert into dues_invoice (rw_id, rt_id, house_id, month, components, amount, due_on) values ($1, $2, $3, '2026-12-01', '[{"name":"keamanan","amount":1000}]', 1000, '2026-12-10')`,
				[rw.id, rt.id, house.id]
			);
		}
	}
	rwPlaces = [
		{ label: 'own RW', rwId: rwA.id, rtId: null },
		{ label: 'other RW', rwId: rwB.id, rtId: null }
	];
	rtPlaces = [
		{ label: 'own RT', rwId: rwA.id, rtId: rwA.rts[0]!.id },
		{ label: 'other RT of own RW', rwId: rwA.id, rtId: rwA.rts[1]!.id },
		{ label: 'RT of other RW', rwId: rwB.id, rtId: rwB.rts[0]!.id }
	];
});
afterAll(async () => db?.close());

const claims = (u: SessionUser) => ({ sub: u.id, rw_id: u.rwId });

class Rollback extends Error {}

/** Runs `probe` as the user and rolls everything back; true when it found or changed a row. */
async function allowed(user: SessionUser, probe: (tx: Sql) => Promise<unknown[]>): Promise<boolean> {
	let result = false;
	try {
		await withUser(db, claims(user), async (tx) => {
			try {
				result = (await probe(tx)).length > 0;
			} catch (err) {
				// Refused by a policy, a grant, or a letter request's step rule (all SQLSTATE 42501).
				if (!/row-level security|permission denied|may not go/.test(String(err))) throw err;
				result = false;
			}
			throw new Rollback();
		});
	} catch (err) {
		if (!(err instanceof Rollback)) throw err;
	}
	return result;
}

/**
 * Plain SQL, as the API would send it, that only the action allows: a read that finds
 * another's row, or a write that changes or adds one, in the place given.
 */
const PROBES: Record<Exclude<Action, `area.${string}`>, { level: 'rw' | 'rt'; run: (tx: Sql, p: Place, u: SessionUser) => Promise<unknown[]> }> = {
	'rw.manage': { level: 'rw', run: (tx, p) => tx.query('update rw set address = address where id = $1 returning id', [p.rwId]) },
	'members.read': {
		level: 'rt',
		run: (tx, p, u) => tx.query('select id from membership where rw_id = $1 and rt_id = $2 and user_id <> $3', [p.rwId, p.rtId, u.id])
	},
	'members.manage': {
		level: 'rw',
		run: (tx, p, u) => tx.query(`update membership set house_id = house_id where rw_id = $1 and role = 'treasurer' and user_id <> $2 returning id`, [p.rwId, u.id])
	},
	'invites.any_role': {
		level: 'rw',
		run: (tx, p, u) =>
			tx.query(`insert into invite (rw_id, code_hash, code_hint, role, created_by, expires_at) values ($1, gen_random_uuid()::text, 'x', 'treasurer', $2, now() + interval '1 day') returning id`, [p.rwId, u.id])
	},
	'invites.resident': {
		level: 'rt',
		run: (tx, p, u) =>
			tx.query(`insert into invite (rw_id, rt_id, code_hash, code_hint, role, created_by, expires_at) values ($1, $2, gen_random_uuid()::text, 'x', 'resident', $3, now() + interval '1 day') returning id`, [p.rwId, p.rtId, u.id])
	},
	'audit.read': { level: 'rw', run: (tx, p) => tx.query('select id from audit_log where rw_id = $1', [p.rwId]) },
	'houses.read': { level: 'rt', run: (tx, p) => tx.query('select h.id from house h where h.rt_id = $1 and h.id not in (select app.my_house_ids())', [p.rtId]) },
	'registry.read': {
		level: 'rt',
		run: (tx, p) => tx.query('select id from resident where rt_id = $1 and household_id not in (select app.my_household_ids())', [p.rtId])
	},
	'registry.write': { level: 'rt', run: (tx, p) => tx.query('update household set address = address where rt_id = $1 returning id', [p.rtId]) },
	// What revealIdentity asks before it decrypts a number.
	'registry.reveal': {
		level: 'rt',
		run: (tx, p) => tx.query(`select r.id from resident r where r.rt_id = $1 and app.may('registry.reveal', r.rw_id, r.rt_id)`, [p.rtId])
	},
	'devices.read': { level: 'rw', run: (tx, p) => tx.query('select id from device where rw_id = $1', [p.rwId]) },
	'devices.manage': { level: 'rw', run: (tx, p) => tx.query('update device set name = name where rw_id = $1 returning id', [p.rwId]) },
	'panic.read': { level: 'rw', run: (tx, p) => tx.query('select id from panic_event where rw_id = $1', [p.rwId]) },
	'alarms.read': { level: 'rw', run: (tx, p) => tx.query('select id from alarm where rw_id = $1', [p.rwId]) },
	'alarms.acknowledge': {
		level: 'rw',
		run: (tx, p, u) => tx.query(`update alarm set acknowledged_at = now(), acknowledged_by = $2, ack_note = 'ok' where rw_id = $1 returning id`, [p.rwId, u.id])
	},
	// Panic incidents: an RT's (the reporter's own are a row rule: none here has one), moved along, the RW's report.
	'incidents.read': { level: 'rt', run: (tx, p) => tx.query('select id from panic_incident where rt_id = $1 and reporter_id is null', [p.rtId]) },
	'incidents.handle': {
		level: 'rw',
		run: (tx, p, u) =>
			tx.query(`update panic_incident set state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2 where rw_id = $1 and state = 'triggered' returning id`, [p.rwId, u.id])
	},
	// What the false-alarm counts and the monthly report ask before they read.
	'incidents.report': { level: 'rw', run: (tx, p) => tx.query(`select 1 as x where app.may('incidents.report', $1, null)`, [p.rwId]) },
	'pumps.command': {
		level: 'rw',
		run: (tx, p, u) =>
			tx.query(`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, 'pump-' || lower((select code from rw where id = $1)), true, $2) returning id`, [p.rwId, u.id])
	},
	'letters.configure': { level: 'rw', run: (tx, p) => tx.query('update letter_settings set place = place where rw_id = $1 returning rw_id', [p.rwId]) },
	// The RT head's decision on a submitted request of the RT (a requester's own are excluded).
	'letters.review_rt': {
		level: 'rt',
		run: (tx, p, u) =>
			tx.query(`update letter_request set status = 'rt_approved', rt_approved_at = now() where rt_id = $1 and status = 'submitted' and requester_id <> $2 returning id`, [p.rtId, u.id])
	},
	// The RW's decision: numbering a letter takes the register.
	'letters.review_rw': {
		level: 'rw',
		run: (tx, p) => tx.query(`insert into letter_register (rw_id, kind, year, last_seq) values ($1, 'SP', 2026, 1) returning rw_id`, [p.rwId])
	},
	// Announcements (push area): posting one to an RT.
	'announcements.post': {
		level: 'rt',
		run: (tx, p, u) => tx.query(`insert into announcement (rw_id, rt_id, author_id, author_name, title, body) values ($1, $2, $3, 'Ketua', 'Kerja bakti', 'Minggu pagi') returning id`, [p.rwId, p.rtId, u.id])
	},
	// Dues: the treasurer sets a tariff; officers read invoices (an RT head their RT's, a
	// resident's own house excluded).
	'dues.manage': {
		level: 'rw',
		run: (tx, p) =>
			tx.query(`insert into dues_tariff (rw_id, category, valid_from, components, total) values ($1, 'house', '2030-01-01', '[{"name":"keamanan","amount":1}]', 1) returning id`, [p.rwId])
	},
	'dues.read': { level: 'rt', run: (tx, p) => tx.query('select id from dues_invoice where rt_id = $1 and house_id not in (select app.my_house_ids())', [p.rtId]) },
	// Complaints: triage of another's report in the RT; the RW's categories.
	'complaints.manage': {
		level: 'rt',
		run: (tx, p, u) => tx.query(`update complaint set status = 'diterima' where rt_id = $1 and reporter_id <> $2 returning id`, [p.rtId, u.id])
	},
	'complaints.configure': { level: 'rw', run: (tx, p) => tx.query('update complaint_category set name = name where rw_id = $1 returning id', [p.rwId]) }
};

describe('the permissions table', () => {
	it('is the same in TypeScript and in the database', async () => {
		const rows = await db.query<{ action: string; role: string; scope: string }>('select action, role, scope from app.permission order by action, role');
		const ts = ACTIONS.flatMap((action) => Object.entries(PERMISSIONS[action]).map(([role, scope]) => ({ action, role, scope })));
		const key = (r: { action: string; role: string }) => `${r.action} ${r.role}`;
		expect([...rows].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(ts.sort((a, b) => key(a).localeCompare(key(b))));
	});

	it('answers app.may as may() does, for every role, action and place', async () => {
		const mismatches: string[] = [];
		for (const role of ROLES) {
			const user = users[role];
			const places = [...rwPlaces, ...rtPlaces];
			const answers = await withUser(db, claims(user), (tx) =>
				tx.query<{ action: string; i: number; may: boolean }>(
					`select a.action, p.i::int as i, app.may(a.action, p.rw, p.rt) as may
					   from unnest($1::text[]) as a(action), unnest($2::uuid[], $3::uuid[]) with ordinality as p(rw, rt, i)`,
					[ACTIONS, places.map((p) => p.rwId), places.map((p) => p.rtId)]
				)
			);
			expect(answers).toHaveLength(ACTIONS.length * places.length);
			for (const a of answers) {
				const place = places[a.i - 1]!;
				const expected = may(user, a.action as Action, { rwId: place.rwId, rtId: place.rtId });
				if (a.may !== expected) mismatches.push(`${role} ${a.action} ${place.label}: sql ${a.may}, ts ${expected}`);
			}
		}
		expect(mismatches).toEqual([]);
	});

	it('refuses an action it does not know instead of answering no', async () => {
		await expect(withUser(db, claims(users.rw_admin), (tx) => tx.query(`select app.may('registry.wirte', $1, null)`, [rwA.id]))).rejects.toThrow(
			/unknown permission action/
		);
	});

	it('leaves no policy that spells the rule out by hand', async () => {
		const policies = await db.query<{ name: string }>(
			`select tablename || '.' || policyname as name from pg_policies
			  where schemaname = 'public' and (coalesce(qual, '') || coalesce(with_check, '')) ~ '(role_rw_ids|head_rt_ids)'`
		);
		expect(policies).toEqual([]);
	});
});

describe('Row Level Security allows what may() allows', () => {
	it('has a probe for every action that is about data', () => {
		expect(Object.keys(PROBES).sort()).toEqual(ACTIONS.filter((a) => !a.startsWith('area.')).sort());
	});

	for (const [action, probe] of Object.entries(PROBES) as [keyof typeof PROBES, (typeof PROBES)[keyof typeof PROBES]][]) {
		it(action, async () => {
			const mismatches: string[] = [];
			let allowedSomewhere = 0;
			for (const role of ROLES) {
				for (const place of probe.level === 'rw' ? rwPlaces : rtPlaces) {
					const user = users[role];
					const sql = await allowed(user, (tx) => probe.run(tx, place, user));
					const ts = may(user, action, { rwId: place.rwId, rtId: place.rtId });
					if (sql) allowedSomewhere++;
					if (sql !== ts) mismatches.push(`${role} at ${place.label}: RLS ${sql ? 'allows' : 'refuses'}, may() says ${ts}`);
				}
			}
			expect(mismatches).toEqual([]);
			// A probe that never succeeds would agree with a table that grants nothing.
			expect(allowedSomewhere).toBeGreaterThan(0);
		});
	}
});
