import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../src/lib/views/alerts';
import { AlarmService } from '../../src/lib/server/alarms/service';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import type { Database } from '../../src/lib/server/db/types';
import { CommittedEvents } from '../../src/lib/server/events/committed';
import { writeBatch, type ReadingRow } from '../../src/lib/server/ingest/writer';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { freshDatabase } from '../factories/db';
import { makeRw, type TestRw } from '../factories/tenancy';

// Several app instances behind an external broker share one PostgreSQL database and
// split the readings (a shared subscription): each alarm must still be decided on the
// whole history and recorded and published once.
const onPostgres = !!process.env.DATABASE_URL;
let db: Database;
let second: Database | null = null;
let rw: TestRw;
let broker: BrokerHandle;
let dashboard: mqtt.MqttClient;
const received: AlertMessage[] = [];
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 3600_000;
const MIN = 60_000;
let clock = BASE;

interface Instance {
	events: CommittedEvents;
	service: AlarmService;
}
const instances: Instance[] = [];

function instance(database: Database): Instance {
	const events = new CommittedEvents();
	// A read of the history per batch here (sharedStepMs 0): the cadence has its own test below.
	const service = new AlarmService({ db: database, events, publish: (t, p) => broker.publish(t, p), sharedWindow: true, sharedStepMs: 0, now: () => clock, tickMs: 3600_000 });
	return { events, service };
}

beforeAll(async () => {
	if (!onPostgres) return;
	db = await freshDatabase();
	// The second instance's own connection pool to the same database.
	const [{ name }] = (await db.query<{ name: string }>('select current_database() as name')) as [{ name: string }];
	const url = new URL(process.env.DATABASE_URL!);
	url.pathname = `/${name}`;
	second = await openPostgresThread(url.toString());
	rw = await makeRw(db, 1, 1);
	await db.query(
		`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
		 select 'inst-' || n, $1, 'sensor', 'Sensor ' || n, 60, 300, 400, 100, 150, 200, 'x' from generate_series(1, 20) n`,
		[rw.id]
	);
	broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true });
	dashboard = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { reconnectPeriod: 0 });
	await new Promise((resolve) => dashboard.once('connect', resolve));
	dashboard.on('message', (_t, payload) => received.push(JSON.parse(payload.toString()) as AlertMessage));
	await dashboard.subscribeAsync(`rw/${rw.code}/alerts/alarm/#`, { qos: 1 });
	instances.push(instance(db), instance(second));
	await Promise.all(instances.map((i) => i.service.start()));
});

afterAll(async () => {
	for (const i of instances) await i.service.close();
	dashboard?.end(true);
	await broker?.close();
	await second?.close();
	await db?.close();
});

const row = (device: string, minute: number, level: number): ReadingRow => ({
	deviceId: device, rwId: rw.id, boot: 0, seq: minute, ts: new Date(BASE + minute * MIN), levelCm: level, distanceCm: null, batteryV: 3.9, clockSkew: false
});

describe.runIf(onPostgres)('alarms with several instances on one PostgreSQL', () => {
	it('decides on the whole history though each instance gets only part of it', async () => {
		// Alternate readings go to each instance. Alone, neither sees three high of five.
		const levels = [50, 50, 50, 50, 120, 120, 120];
		for (const [minute, level] of levels.entries()) {
			const r = row('inst-1', minute, level);
			await writeBatch(db, [r]);
			clock = r.ts.getTime() + 1000;
			instances[minute % 2]!.events.emit({ kind: 'readings', rows: [r] });
			await instances[minute % 2]!.service.idle();
		}
		const alarms = await db.query<{ siaga: number; first_seen_at: Date }>(`select siaga, first_seen_at from alarm where device_id = 'inst-1' and type = 'flood_level'`);
		expect(alarms).toHaveLength(1);
		expect(new Date(alarms[0]!.first_seen_at).getTime()).toBe(BASE + 6 * MIN);
	});

	it('records and publishes one alarm once when both instances decide it at the same moment', async () => {
		const devices = Array.from({ length: 19 }, (_, i) => `inst-${i + 2}`);
		const history = devices.flatMap((d) => [50, 50, 50, 120, 120].map((level, minute) => row(d, minute, level)));
		await writeBatch(db, history);
		// The reading that decides it, stored once, and (say, re-delivered after an instance
		// died before its acknowledgement) handed to both instances at once.
		const deciding = devices.map((d) => row(d, 5, 120));
		await writeBatch(db, deciding);
		clock = BASE + 5 * MIN + 1000;
		for (const i of instances) i.events.emit({ kind: 'readings', rows: deciding });
		await Promise.all(instances.map((i) => i.service.idle()));
		const counts = await db.query<{ alarms: number; raised: number }>(
			`select (select count(*)::int from alarm where device_id = any($1::text[])) as alarms,
			        (select count(*)::int from alarm_event e join alarm a on a.id = e.alarm_id where a.device_id = any($1::text[]) and e.kind = 'raised') as raised`,
			[devices]
		);
		expect(counts[0]).toEqual({ alarms: devices.length, raised: devices.length });
		// Each instance recorded some; together each alarm once.
		expect(instances.reduce((n, i) => n + i.service.stats.transitions, 0)).toBe(devices.length + 1);
		// Once per alarm on the broker (the dashboard's subscription waits for the last one).
		await expect.poll(() => received.filter((m) => m.kind === 'alarm' && devices.includes(m.alarm.deviceId)).length).toBe(devices.length);
		await Promise.all(instances.map((i) => i.service.idle()));
		const raisedIds = received.flatMap((m) => (m.kind === 'alarm' && devices.includes(m.alarm.deviceId) ? [m.alarm.id] : []));
		expect(new Set(raisedIds).size).toBe(devices.length);
	});
	it('reads the history at most once per sharedStepMs and decides on every batch committed meanwhile', async () => {
		await db.query(
			`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 values ('inst-step', $1, 'sensor', 'Sensor step', 60, 300, 400, 100, 150, 200, 'x')`,
			[rw.id]
		);
		const events = new CommittedEvents();
		const service = new AlarmService({ db, events, publish: (t, p) => broker.publish(t, p), sharedWindow: true, sharedStepMs: 2000, now: () => clock, tickMs: 3600_000 });
		await service.start();
		try {
			const rows = [50, 50, 50, 50, 120, 120, 120].map((level, minute) => row('inst-step', minute, level));
			for (const r of rows) await writeBatch(db, [r]);
			clock = rows[6]!.ts.getTime() + 1000;
			// The first batch is decided at once (one read); the next three, committed one
			// by one while the service waits for its next step, in one more read.
			events.emit({ kind: 'readings', rows: rows.slice(0, 4) });
			await service.idle();
			expect(service.stats.sharedReads).toBe(1);
			for (const r of rows.slice(4)) {
				events.emit({ kind: 'readings', rows: [r] });
				// A turn of the event loop: a step started by this batch would be reading by now.
				await new Promise((resolve) => setImmediate(resolve));
			}
			await service.idle();
			expect(service.stats.sharedReads).toBe(2);
			const alarms = await db.query<{ first_seen_at: Date }>(`select first_seen_at from alarm where device_id = 'inst-step' and type = 'flood_level'`);
			expect(alarms.map((a) => new Date(a.first_seen_at).getTime())).toEqual([BASE + 6 * MIN]);
		} finally {
			await service.close();
		}
	});
});
