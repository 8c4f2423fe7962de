import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import type { SessionStats } from '../../src/lib/server/db/worker-protocol';
import { realtimeOf } from '../../src/lib/server/db';
import { decide } from '../../src/lib/server/letters/review';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw } from '../factories/tenancy';
import { makeHousehold, seedCatalogue, tempFileStore, testPii } from '../factories/letters';

// PGlite has one session: who gets it next is decided in its worker (session-gate.ts).
// PostgreSQL has a pool and no such queue.
const onPglite = !process.env.DATABASE_URL;

let db: Database;

beforeAll(async () => {
	db = await freshDatabase();
	await db.exec('create table served (n serial primary key, who text not null)');
});
afterAll(() => db?.close());

const served = async () => (await db.query<{ who: string }>('select who from served order by n')).map((r) => r.who);

describe.runIf(onPglite)('realtime priority on the PGlite session', () => {
	const reading = () => realtimeOf(db).batch([{ text: `insert into served (who) values ('reading')` }]);

	it('counts a realtime wait from the send on the main thread, though the worker reads nothing while a statement runs', async () => {
		// First in this file: no realtime work came before, so the gate grants the
		// statement below at once (while realtime work is about it would let the readings go first).
		await db.sessionStats!(true);
		// A statement that holds the session for at least 300 ms, and a batch of readings
		// sent right behind it: the worker reads the readings only when the statement ends.
		const long = db.query('select pg_sleep(0.3)');
		const readings = realtimeOf(db).batch([{ text: 'select 1' }]);
		await Promise.all([long, readings]);
		const { realtime } = (await db.sessionStats!()).waits;
		expect(realtime.count).toBe(1);
		// Read after the hold: no wait at the gate, but ~300 ms from the send.
		expect(realtime.unread.max).toBeGreaterThanOrEqual(250);
		expect(realtime.fromSend.max).toBeGreaterThanOrEqual(realtime.unread.max);
		expect(realtime.waited).toBe(1);
	});

	it('serves ingest work sent during a long admin transaction before the admin work queued before it, each queue in arrival order', async () => {
		expect(db.realtime).toBeDefined();
		let finishAdmin!: () => void;
		const adminMayFinish = new Promise<void>((resolve) => (finishAdmin = resolve));
		let adminHolds!: () => void;
		const adminHolding = new Promise<void>((resolve) => (adminHolds = resolve));
		// A long administrative transaction holds the session…
		const long = db.transaction(async (tx) => {
			await tx.query(`insert into served (who) values ('admin-long')`);
			adminHolds();
			await adminMayFinish;
		});
		await adminHolding;
		// …more administrative work queues behind it (a transaction, a batch, a statement)…
		const queued = [
			db.transaction((tx) => tx.query(`insert into served (who) values ('admin-1')`)),
			db.batch([{ text: `insert into served (who) values ('admin-2')` }]),
			db.query(`insert into served (who) values ('admin-3')`)
		];
		// …then readings arrive: a batch and a transaction on the realtime path.
		const realtime = realtimeOf(db);
		const readings = [
			realtime.batch([{ text: `insert into served (who) values ('ingest-batch')` }]),
			realtime.transaction((tx) => tx.query(`insert into served (who) values ('ingest-tx')`))
		];
		// Each call is one message, handled in order: the end of the long transaction
		// reaches the worker after all of the above are waiting.
		finishAdmin();
		await Promise.all([long, ...queued, ...readings]);
		expect(await served()).toEqual(['admin-long', 'ingest-batch', 'ingest-tx', 'admin-1', 'admin-2', 'admin-3']);
	});

	// An interactive transaction holds the session from BEGIN to COMMIT, and each of its
	// statements is a round trip to the main thread, which under ingest load waits for a
	// turn of an event loop busy with MQTT. The gate counts those round trips ("turns").
	const adminTurns = (stats: SessionStats) => Object.entries(stats.holds).filter(([kind]) => kind.startsWith('normal ')).reduce((n, [, h]) => n + h.turns, 0);
	const adminHolds = (stats: SessionStats) => Object.entries(stats.holds).filter(([kind]) => kind.startsWith('normal ')).reduce((n, [, h]) => n + h.count, 0);

	it('lets readings sent during letter decisions wait for none of their round trips to the main thread', async () => {
		const rw = await makeRw(db, 2, 2);
		const admin = await makeMember(db, rw, 'rw_admin');
		const requester = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		await seedCatalogue(db, rw);
		const pii = testPii();
		const files = await tempFileStore();
		try {
			const subject = await makeHousehold(db, pii, rw, rw.houses[0]!.id, [{ name: 'Pemohon' }], requester.id);
			const requests = await db.query<{ id: string }>(
				`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status, data, submitted_at, rt_approved_at)
				 select $1, $2, (select id from letter_service where rw_id = $1 and kind = 'SK-DOM'), $3, $4, 'rt_approved', '{"keperluan":"Uji"}', now(), now()
				   from generate_series(1, 3) returning id`,
				[rw.id, rw.rts[0]!.id, requester.id, subject.residentIds[0]]
			);
			await db.sessionStats!(true);
			const readings: Promise<unknown>[] = [];
			// A reading sent right after each decision's first message:
			// it finds the session held by that work, or free once the work is done.
			for (const { id } of requests) {
				const decision = decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, { pii, store: files.store, origin: 'https://rukun.test' });
				readings.push(reading());
				expect(await decision).toMatchObject({ ok: true, status: 'issued' });
			}
			await Promise.all(readings);
			const stats = await db.sessionStats!();
			expect(readings.length).toBe(3);
			expect(stats.waits.realtime.count).toBeGreaterThanOrEqual(readings.length);
			// The administrative work held the session, but never across a main-thread
			// turn, so no reading waited through one.
			expect(adminHolds(stats)).toBeGreaterThan(0);
			expect(adminTurns(stats)).toBe(0);
			expect(stats.waits.realtime.turnsWaited).toBe(0);
		} finally {
			await files.cleanup();
		}
	});

	it('counts the round trips of an interactive transaction, and what a reading queued behind it waited through', async () => {
		await db.sessionStats!(true);
		let queued!: Promise<unknown>;
		const admin = db.transaction(async (tx) => {
			await tx.query('select 1');
			// Sent once the transaction holds the session: it waits while the transaction's
			// next statement and its end come from this thread.
			queued = reading();
			await tx.query('select 2');
		});
		await admin;
		await queued;
		const stats = await db.sessionStats!();
		expect(stats.holds['normal transaction']).toMatchObject({ count: 1, turns: 3 });
		expect(stats.waits.realtime).toMatchObject({ count: 1, waited: 1, turnsWaited: 2, maxTurnsWaited: 2 });
	});
});
