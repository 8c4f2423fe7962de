import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import type { CommittedEvent } from '../../src/lib/server/events/committed';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// The event seam: what the ingest stored, and only that, reaches subscribers after the
// commit (the alarm engine, dashboards and push hang off it).
let db: Database;
let rw: TestRw;
let ingest: Ingest;
let mqttSide: TestBroker;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	const admin = await makeMember(db, rw, 'rw_admin');
	mqttSide = await startTestBroker(db);
	ingest = mqttSide.ingest;
	await mqttSide.register(admin, newDevice('ev-wl-01', 'sensor', { name: 'Sensor' }), newDevice('ev-pb-01', 'panic', { name: 'Panic' }), newDevice('ev-pump-01', 'pump', { name: 'Pump' }));
});

afterAll(async () => {
	await mqttSide?.close();
	await ingest?.close();
	await db?.close();
});

const connect = (id: string) => mqttSide.connect(id);

/** Collects events of `kind` until `until` says enough; also what the database held at each. */
function collect<K extends CommittedEvent['kind']>(kind: K, check: (e: Extract<CommittedEvent, { kind: K }>) => Promise<unknown>) {
	const seen: { event: Extract<CommittedEvent, { kind: K }>; stored: unknown }[] = [];
	const off = ingest.events.on(kind, async (event) => {
		seen.push({ event, stored: await check(event) });
	});
	return { seen, off };
}

describe('committed events', () => {
	it('emits readings only after they are stored, and a re-sent reading not again', async () => {
		const { seen, off } = collect('readings', async (e) => {
			const rows = await db.query<{ n: number }>(`select count(*)::int as n from reading where device_id = 'ev-wl-01' and seq = any($1::bigint[])`, [e.rows.map((r) => r.seq)]);
			return rows[0]!.n;
		});
		const client = await connect('ev-wl-01');
		const topic = `rw/${rw.code}/sensor/ev-wl-01/level`;
		for (let seq = 1; seq <= 20; seq++) await client.publishAsync(topic, JSON.stringify({ distance_cm: 120, seq }), { qos: 1 });
		await client.publishAsync(topic, JSON.stringify({ distance_cm: 120, seq: 7 }), { qos: 1 }); // a repeat
		await ingest.flush();
		await expect.poll(() => seen.reduce((n, s) => n + s.event.rows.length, 0)).toBe(20);
		off();
		const seqs = seen.flatMap((s) => s.event.rows.map((r) => r.seq)).sort((a, b) => a - b);
		expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		// When each event arrived, every row it carried was already in the database.
		for (const s of seen) expect(s.stored).toBe(s.event.rows.length);
		expect(seen[0]!.event.rows[0]).toMatchObject({ deviceId: 'ev-wl-01', rwId: rw.id, levelCm: 180 });
	});

	it('emits a panic press once, after it is stored', async () => {
		const { seen, off } = collect('panics', async (e) => (await db.query(`select 1 from panic_event where device_id = $1 and seq = $2`, [e.rows[0]!.deviceId, e.rows[0]!.seq])).length);
		const client = await connect('ev-pb-01');
		await client.publishAsync(`rw/${rw.code}/panic/ev-pb-01`, JSON.stringify({ seq: 1 }), { qos: 1 });
		await client.publishAsync(`rw/${rw.code}/panic/ev-pb-01`, JSON.stringify({ seq: 1 }), { qos: 1 });
		await ingest.flush();
		await expect.poll(() => seen.length).toBe(1);
		off();
		expect(seen[0]!.stored).toBe(1);
		expect(seen[0]!.event.rows).toHaveLength(1);
	});

	it('stores a pump state and emits it; a status change too', async () => {
		const pumps = collect('pump_state', async (e) => (await db.query<{ pump_on: boolean }>(`select pump_on from device where id = $1`, [e.deviceId]))[0]!.pump_on);
		const statuses = collect('status', async (e) => (await db.query<{ status: string }>(`select status from device where id = $1`, [e.deviceId]))[0]!.status);
		const client = await connect('ev-pump-01');
		await client.publishAsync(`rw/${rw.code}/pump/ev-pump-01/state`, JSON.stringify({ on: true, seq: 1 }), { qos: 1 });
		await client.publishAsync(`rw/${rw.code}/device/ev-pump-01/status`, 'online', { qos: 1, retain: true });
		await expect.poll(() => pumps.seen.length).toBe(1);
		await expect.poll(() => statuses.seen.length).toBe(1);
		pumps.off();
		statuses.off();
		expect(pumps.seen[0]).toMatchObject({ event: { deviceId: 'ev-pump-01', rwId: rw.id, on: true }, stored: true });
		expect(statuses.seen[0]).toMatchObject({ event: { deviceId: 'ev-pump-01', status: 'online' }, stored: 'online' });
	});

	it('keeps storing and acknowledging when a subscriber throws', async () => {
		const off = ingest.events.on('readings', () => {
			throw new Error('subscriber bug');
		});
		const failures = ingest.events.failures;
		const client = await connect('ev-wl-01');
		await client.publishAsync(`rw/${rw.code}/sensor/ev-wl-01/level`, JSON.stringify({ distance_cm: 90, seq: 100 }), { qos: 1 });
		off();
		expect(ingest.events.failures).toBe(failures + 1);
		expect(await db.query(`select 1 from reading where device_id = 'ev-wl-01' and seq = 100`)).toHaveLength(1);
	});
});
