import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../src/lib/views/alerts';
import { AlarmService, type LevelChange } from '../../src/lib/server/alarms/service';
import { loadDevices, loadDevicesInPages } from '../../src/lib/server/alarms/store';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice, type NewDevice } from '../../src/lib/server/devices/devices';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { mintDashboardToken } from '../../src/lib/server/mqtt/dashboard-token';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// The alarm service on the real path: a device publishes over MQTT, the ingest stores
// it, the service records the alarm and publishes it to dashboards on the broker.
let db: Database;
let rwA: TestRw;
let rwB: TestRw;
let ingest: Ingest;
let broker: BrokerHandle;
let service: AlarmService;
const tokenKey = randomBytes(32);
const secrets = new Map<string, string>();
const clients: mqtt.MqttClient[] = [];
/** The service's clock: the time of the last reading sent, plus a second. */
let clock = 0;
/** Readings are a minute apart, from two hours ago (the ingest trusts times up to 7 days old). */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3600_000;
const MIN = 60_000;

const sensor = (id: string, rtId: string | null): NewDevice => ({
	id, kind: 'sensor', name: `Sensor ${id}`, rtId, lat: null, lng: null, reportIntervalS: 60,
	mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 100, siaga2Cm: 150, siaga1Cm: 200
});

function newService(): AlarmService {
	return new AlarmService({ db, events: ingest.events, publish: (t, p) => broker.publish(t, p), now: () => clock, tickMs: 3600_000, levelEveryMs: 0 });
}

beforeAll(async () => {
	db = await freshDatabase();
	rwA = await makeRw(db, 1, 1);
	rwB = await makeRw(db, 1, 1);
	const adminA = await makeMember(db, rwA, 'rw_admin');
	const adminB = await makeMember(db, rwB, 'rw_admin');
	for (const [admin, device] of [
		[adminA, sensor('al-a-01', rwA.rts[0]!.id)],
		[adminA, sensor('al-a-02', null)],
		[adminA, sensor('al-a-03', null)],
		[adminA, sensor('al-a-04', null)],
		[adminB, sensor('al-b-01', null)]
	] as const) {
		const created = await createDevice(db, admin, device);
		if (!created.ok) throw new Error(created.reason);
		secrets.set(device.id, created.secret);
	}
	ingest = new Ingest(db);
	broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false, hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey }) });
	service = newService();
	await service.start();
});

afterAll(async () => {
	for (const c of clients) c.end(true);
	await service?.close();
	await broker?.close();
	await ingest?.close();
	await db?.close();
});

function connect(clientId: string, username: string, password: string) {
	return new Promise<mqtt.MqttClient>((resolve, reject) => {
		const client = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId, username, password, reconnectPeriod: 0 });
		clients.push(client);
		client.once('connect', () => resolve(client));
		client.once('error', reject);
	});
}

const devices = new Map<string, mqtt.MqttClient>();
async function device(id: string) {
	let client = devices.get(id);
	if (!client) devices.set(id, (client = await connect(id, id, secrets.get(id)!)));
	return client;
}

const rwOf = (id: string) => (id.startsWith('al-b') ? rwB : rwA);

/** Sends readings (one a minute from minute `from`) as the device, stored and processed. */
async function send(id: string, from: number, levels: readonly number[]) {
	const client = await device(id);
	for (const [i, level] of levels.entries()) {
		const at = BASE + (from + i) * MIN;
		clock = at + 1000;
		await client.publishAsync(`rw/${rwOf(id).code}/sensor/${id}/level`, JSON.stringify({ level_cm: level, seq: from + i, ts: new Date(at).toISOString(), bat: 3.9 }), { qos: 1 });
	}
	await ingest.flush();
	await service.idle();
}

/** A security officer's dashboard: a real MQTT client with a minted token, subscribed to its RW's alerts. */
async function dashboard(rw: TestRw) {
	const officer = await makeMember(db, rw, 'security_officer');
	const token = mintDashboardToken(tokenKey, { userId: officer.id, rwCode: rw.code, rwId: rw.id });
	const client = await connect(`dash-${randomBytes(4).toString('hex')}`, 'dashboard', token);
	const messages: { topic: string; message: AlertMessage }[] = [];
	const waiters: { test: (m: AlertMessage, topic: string) => boolean; resolve: (m: AlertMessage) => void }[] = [];
	client.on('message', (topic, payload) => {
		const message = JSON.parse(payload.toString()) as AlertMessage;
		messages.push({ topic, message });
		for (const w of [...waiters]) {
			if (!w.test(message, topic)) continue;
			waiters.splice(waiters.indexOf(w), 1);
			w.resolve(message);
		}
	});
	await client.subscribeAsync(`rw/${rw.code}/alerts/#`, { qos: 1 });
	return {
		client,
		messages,
		/** The next (or an already received) message that passes `test`. */
		next(test: (m: AlertMessage, topic: string) => boolean): Promise<AlertMessage> {
			const seen = messages.find((m) => test(m.message, m.topic));
			if (seen) return Promise.resolve(seen.message);
			return new Promise((resolve) => waiters.push({ test, resolve }));
		}
	};
}

const alarmsOf = (id: string, type = 'flood_level') =>
	db.query<{ id: string; type: string; severity: string; siaga: number | null; count: number; cleared_at: Date | null; rt_id: string | null }>(
		'select id, type, severity, siaga, count, cleared_at, rt_id from alarm where device_id = $1 and type = $2 order by first_seen_at',
		[id, type]
	);
/** The device's alarm events (of one type: `flood_level` unless said), in order. */
const eventsOf = (id: string, type = 'flood_level') =>
	db.query<{ kind: string; siaga: number | null }>('select e.kind, e.siaga from alarm_event e join alarm a on a.id = e.alarm_id where a.device_id = $1 and a.type = $2 order by e.id', [id, type]).then((rows) =>
		rows.map((r) => `${r.kind}:${r.siaga ?? ''}`)
	);

describe('alarm service', () => {
	it('turns readings into an alarm row, its event and an alert message to the RW’s dashboards only', async () => {
		const a = await dashboard(rwA);
		const b = await dashboard(rwB);
		// An officer of RW B cannot even subscribe to RW A's alerts.
		await expect(b.client.subscribeAsync(`rw/${rwA.code}/alerts/#`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
		const changes: LevelChange[] = [];
		const off = service.onLevelChange((c) => changes.push(c));
		await send('al-a-01', 0, [60, 60, 60, 120, 120]);
		expect(await alarmsOf('al-a-01')).toEqual([]); // two readings above: the median is still below
		await send('al-a-01', 5, [120]);
		const [row] = await alarmsOf('al-a-01');
		expect(row).toMatchObject({ type: 'flood_level', severity: 'minor', siaga: 3, count: 1, cleared_at: null, rt_id: rwA.rts[0]!.id });
		expect(await eventsOf('al-a-01')).toEqual(['raised:3']);
		const message = await a.next((m) => m.kind === 'alarm' && m.alarm.deviceId === 'al-a-01');
		expect(message).toMatchObject({ kind: 'alarm', alarm: { id: row!.id, deviceName: 'Sensor al-a-01', type: 'flood_level', severity: 'minor', siaga: 3, firstSeenAt: new Date(BASE + 5 * MIN).toISOString(), details: { levelCm: 120 } } });
		expect(a.messages.find((m) => m.message.kind === 'alarm')!.topic).toBe(`rw/${rwA.code}/alerts/alarm/${row!.id}`);
		expect(await a.next((m) => m.kind === 'level' && m.level.deviceId === 'al-a-01' && m.level.siaga === 3)).toMatchObject({ level: { levelCm: 120 } });
		expect(changes).toEqual([expect.objectContaining({ rwId: rwA.id, rtId: rwA.rts[0]!.id, deviceId: 'al-a-01', oldSiaga: 4, newSiaga: 3, severity: 'minor' })]);
		off();
		// RW B's own alarm reaches B's dashboard; by then B has seen nothing of RW A.
		await send('al-b-01', 0, [160, 160, 160]);
		await b.next((m) => m.kind === 'alarm' && m.alarm.deviceId === 'al-b-01');
		expect(b.messages.filter((m) => !m.topic.startsWith(`rw/${rwB.code}/`) || m.message.kind === 'alarm' && m.message.alarm.deviceId.startsWith('al-a'))).toEqual([]);
		expect(b.messages.length).toBeGreaterThan(0);
	});

	it('keeps its state over a restart: nothing fires again, nothing is forgotten', async () => {
		// al-a-01 is at Siaga 3 (the test above). The water stays just under the threshold,
		// within the margin, for more than the half hour a restart reloads: still Siaga 3.
		await send('al-a-01', 6, Array(36).fill(97));
		const before = (await alarmsOf('al-a-01'))[0]!;
		// al-a-02 has two high readings of the three a raise needs.
		await send('al-a-02', 37, [60, 60, 60, 120, 120]);
		expect(await alarmsOf('al-a-02')).toEqual([]);
		await service.close();
		service = newService();
		await service.start();
		// The filter remembered the two high readings: one more raises.
		await send('al-a-02', 42, [120]);
		expect(await eventsOf('al-a-02')).toEqual(['raised:3']);
		// The active alarm is known (repeated, not raised again)…
		await send('al-a-01', 42, [97, 97]);
		expect(await eventsOf('al-a-01')).toEqual(['raised:3']);
		expect((await alarmsOf('al-a-01'))[0]!.count).toBeGreaterThan(before.count);
		// …and not forgotten: the water recedes and it clears after the hold time.
		await send('al-a-01', 44, Array(9).fill(50));
		expect(await eventsOf('al-a-01')).toEqual(['raised:3', 'cleared:3']);
		expect((await alarmsOf('al-a-01'))[0]!.cleared_at).not.toBeNull();
	});

	it('raises nothing for a silenced sensor, and raises what still holds when the silence ends', async () => {
		await db.query(`update device set silenced_until = $2, silence_reason = 'Sensor rusak' where id = $1`, ['al-a-03', new Date(BASE + 30 * MIN).toISOString()]);
		service.invalidate('al-a-03');
		await send('al-a-03', 0, [170, 170, 170, 170, 170]);
		expect(await alarmsOf('al-a-03')).toEqual([]);
		clock = BASE + 31 * MIN;
		await send('al-a-03', 31, [170]);
		expect(await eventsOf('al-a-03')).toEqual(['raised:2']);
	});

	it('raises offline on the device’s last will and clears it when it is back; also after three silent intervals', async () => {
		const a = await dashboard(rwA);
		await send('al-a-04', 0, [50, 50, 50]);
		const client = await device('al-a-04');
		await client.publishAsync(`rw/${rwA.code}/device/al-a-04/status`, 'offline', { qos: 1, retain: true });
		await service.idle();
		expect(await alarmsOf('al-a-04', 'sensor_offline')).toMatchObject([{ type: 'sensor_offline', severity: 'major', cleared_at: null }]);
		await a.next((m) => m.kind === 'alarm' && m.alarm.type === 'sensor_offline' && m.alarm.clearedAt === null);
		await client.publishAsync(`rw/${rwA.code}/device/al-a-04/status`, 'online', { qos: 1, retain: true });
		await service.idle();
		expect(await eventsOf('al-a-04', 'sensor_offline')).toEqual(['raised:', 'cleared:']);
		await a.next((m) => m.kind === 'alarm' && m.alarm.type === 'sensor_offline' && m.alarm.clearedAt !== null);
		// Nothing for 3 report intervals (the online status counts as a sign of life).
		clock = Date.now() + 3 * MIN + 1000;
		await service.tick();
		expect(await eventsOf('al-a-04', 'sensor_offline')).toEqual(['raised:', 'cleared:', 'raised:']);
	});
});

describe.runIf(!process.env.DATABASE_URL)('alarm service on the PGlite session', () => {
	it('reads the devices for its tick as normal work (not before the readings), and still raises what the tick finds', async () => {
		await send('al-b-01', 0, [50, 50, 50]);
		await db.sessionStats!(true);
		// Three report intervals silent: the tick raises offline.
		clock = Date.now() + 3 * MIN + 1000;
		await service.tick();
		const loads = (await db.sessionStats!()).byWhat.filter((w) => w.what.startsWith('select d.id, d.rw_id, d.rt_id, d.kind'));
		expect(loads.map((w) => `${w.hold} ×${w.count}`)).toEqual(['normal query ×1']);
		expect(await eventsOf('al-b-01', 'sensor_offline')).toEqual(['raised:']);
	});
});

describe('the devices for the alarm tick', () => {
	it('are every enabled device, read a page at a time', async () => {
		const all = await loadDevices(db);
		expect(all.length).toBe(5);
		const paged = await loadDevicesInPages(db, 2);
		expect(paged.map((d) => d.config.id)).toEqual(all.map((d) => d.config.id).sort());
		expect(paged).toEqual(expect.arrayContaining(all));
	});
});
