import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { realtimeOf } from '../../src/lib/server/db';
import { freshDatabase } from '../factories/db';

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

});
