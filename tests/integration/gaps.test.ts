import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { getDevice, listDevices } from '../../src/lib/server/devices/devices';
import { missedReadings, renderGaps } from '../../src/lib/server/ingest/gaps';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Loss is never silent: a device counts its readings (seq per boot), and one that
// never arrived shows as a gap (metric, device page, security dashboard). Embedded
// mode here; tests/integration/mosquitto.test.ts shows the same through Mosquitto.
let db: Database;
let rw: TestRw;
let ingest: Ingest;
let mqttSide: TestBroker;
let officer: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	const admin = await makeMember(db, rw, 'rw_admin');
	officer = await makeMember(db, rw, 'security_officer');
	mqttSide = await startTestBroker(db);
	ingest = mqttSide.ingest;
	await mqttSide.register(admin, newDevice('g-wl-01'), newDevice('g-wl-02'));
});

afterAll(async () => {
	await mqttSide?.close();
	await ingest?.close();
	await db?.close();
});

const connect = (id: string) => mqttSide.connect(id);

const send = (client: mqtt.MqttClient, id: string, seq: number, boot: number, ts: string) =>
	client.publishAsync(`rw/${rw.code}/sensor/${id}/level`, JSON.stringify({ distance_cm: 100, seq, boot, ts }), { qos: 1 });

describe('gap reporting (embedded broker)', () => {
	it('reports a deliberately skipped seq once, not a repeat, not a new boot starting over', async () => {
		const client = await connect('g-wl-01');
		for (const seq of [1, 2, 4, 5]) await send(client, 'g-wl-01', seq, 1, '2026-12-06T01:00:00.000Z');
		await send(client, 'g-wl-01', 2, 1, '2026-12-06T01:00:00.000Z'); // a repeat: stored once, no gap either way
		for (const seq of [1, 2, 3]) await send(client, 'g-wl-01', seq, 2, '2026-12-06T02:00:00.000Z'); // restarted: seq from 1
		const other = await connect('g-wl-02');
		for (const seq of [10, 11, 12]) await send(other, 'g-wl-02', seq, 0, '2026-12-06T01:00:00.000Z');
		await ingest.flush();
		expect(await missedReadings(db)).toEqual([{ deviceId: 'g-wl-01', missed: 1, since: '2026-12-06T01:00:00.000Z' }]);
		expect(renderGaps(await missedReadings(db))).toContain('rukun_device_missed_readings{device="g-wl-01"} 1\n');
		// The device page and the security dashboard read it under the officer's RLS.
		expect(await getDevice(db, officer, 'g-wl-01')).toMatchObject({ missed_readings: 1 });
		const listed = await listDevices(db, officer);
		expect(listed.map((d) => [d.id, d.missed_readings])).toEqual([
			['g-wl-01', 1],
			['g-wl-02', 0]
		]);
		expect(new Date(listed[0]!.missed_since!).toISOString()).toBe('2026-12-06T01:00:00.000Z');
	});

	it('closes the gap when the missing reading arrives late (a device replaying its buffer)', async () => {
		const client = await connect('g-wl-01');
		await send(client, 'g-wl-01', 3, 1, '2026-12-06T01:00:00.000Z');
		await ingest.flush();
		expect(await missedReadings(db)).toEqual([]);
		expect(await getDevice(db, officer, 'g-wl-01')).toMatchObject({ missed_readings: 0, missed_since: null });
	});

	it('counts the readings of one device that share a batch, across two boots, each once', async () => {
		const client = await connect('g-wl-02');
		// Sent without waiting for PUBACKs, boots interleaved: they meet in the same group
		// commits. Boot 3 skips seq 50; boot 4 sends 1..60.
		const sends: Promise<unknown>[] = [];
		for (let seq = 1; seq <= 100; seq++) {
			if (seq !== 50) sends.push(send(client, 'g-wl-02', seq, 3, '2026-12-06T03:00:00.000Z'));
			if (seq <= 60) sends.push(send(client, 'g-wl-02', seq, 4, '2026-12-06T03:00:00.000Z'));
		}
		const batchesBefore = ingest.readings.stats.batches;
		await Promise.all(sends);
		await ingest.flush();
		expect(ingest.readings.stats.batches - batchesBefore).toBeLessThan(sends.length);
		expect((await missedReadings(db)).map((g) => [g.deviceId, g.missed])).toEqual([['g-wl-02', 1]]);
	});
});
