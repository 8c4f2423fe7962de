import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { acknowledgeAlarm } from '../../src/lib/server/alarms/acknowledge';
import { latestLevels, listAlarms, sensorHistory } from '../../src/lib/server/alarms/queries';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { mintDashboardToken } from '../../src/lib/server/mqtt/dashboard-token';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import type { AlertMessage } from '../../src/lib/views/alerts';
import { makeAlarm, makeSensor } from '../factories/alarms';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// The security post's reads and the acknowledgement, as the officer (RLS), with the
// acknowledged alarm reaching a dashboard of the RW through the real broker.
let db: Database;
let ingest: Ingest;
let broker: BrokerHandle;
let rwA: TestRw;
let rwB: TestRw;
const tokenKey = randomBytes(32);
const clients: mqtt.MqttClient[] = [];
type Member = Awaited<ReturnType<typeof makeMember>>;
let officerA: Member, officerB: Member, residentA: Member, rtHeadA: Member;

beforeAll(async () => {
	db = await freshDatabase();
	rwA = await makeRw(db, 1, 1);
	rwB = await makeRw(db, 1, 1);
	officerA = await makeMember(db, rwA, 'security_officer', { name: 'Pak Satpam' });
	officerB = await makeMember(db, rwB, 'security_officer');
	residentA = await makeMember(db, rwA, 'resident');
	rtHeadA = await makeMember(db, rwA, 'rt_head');
	await makeSensor(db, rwA.id, 'dash-wl-a');
	await makeSensor(db, rwB.id, 'dash-wl-b');
	ingest = new Ingest(db);
	broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false, hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey }) });
});

afterAll(async () => {
	for (const c of clients) c.end(true);
	await broker?.close();
	await ingest?.close();
	await db?.close();
});

/** A dashboard of `member`'s RW subscribed to its alerts, with the messages it got. */
async function dashboard(member: Member): Promise<AlertMessage[]> {
	const password = mintDashboardToken(tokenKey, { userId: member.id, rwCode: member.rwCode!, rwId: member.rwId! });
	const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: 'dashboard', password, reconnectPeriod: 0 });
	clients.push(client);
	const got: AlertMessage[] = [];
	client.on('message', (_topic, payload) => got.push(JSON.parse(payload.toString()) as AlertMessage));
	await client.subscribeAsync(`rw/${member.rwCode}/alerts/#`, { qos: 1 });
	return got;
}

const publish = (topic: string, payload: string) => broker.publish(topic, payload);

describe('alarm list', () => {
	it('lists the RW’s active alarms by severity then time, then the recently cleared, never another RW’s', async () => {
		const t0 = Date.now() - 60_000;
		const minor = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'rate_of_rise', severity: 'minor', siaga: null, at: new Date(t0).toISOString(), details: { risePer10Min: 12.5, nextSiaga: 2, etaMinutes: 25 } });
		const critical = await makeAlarm(db, rwA.id, 'dash-wl-a', { severity: 'critical', siaga: 1, at: new Date(t0 - 30_000).toISOString() });
		const cleared = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'low_battery', severity: 'warning', siaga: null, clearedAt: new Date(t0).toISOString() });
		const old = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'stale_clock', severity: 'warning', siaga: null, at: new Date(t0 - 2 * 86400_000).toISOString(), clearedAt: new Date(t0 - 86400_000).toISOString() });
		await makeAlarm(db, rwB.id, 'dash-wl-b', { severity: 'critical', siaga: 1 });

		const list = await listAlarms(db, officerA);
		expect(list.map((a) => a.id)).toEqual([critical, minor, cleared]);
		expect(list.map((a) => a.id)).not.toContain(old);
		expect(list[1]).toMatchObject({ deviceName: 'Sensor dash-wl-a', type: 'rate_of_rise', details: { risePer10Min: 12.5, nextSiaga: 2, etaMinutes: 25 }, acknowledgedAt: null });
		// The RT head reads them too; a resident does not.
		expect((await listAlarms(db, rtHeadA)).length).toBe(3);
		expect(await listAlarms(db, residentA)).toEqual([]);
		await db.query('delete from alarm');
	});
});

describe('acknowledging', () => {
	it('stores note, who and an acknowledged event in one go, audits it and tells every dashboard of the RW', async () => {
		const id = await makeAlarm(db, rwA.id, 'dash-wl-a', { severity: 'major', siaga: 2 });
		const seenA = await dashboard(officerA);
		const seenB = await dashboard(officerB);

		const result = await acknowledgeAlarm(db, officerA, { alarmId: id, note: 'Pompa 1 dinyalakan' }, publish);
		expect(result).toMatchObject({ ok: true, alarm: { id, ackNote: 'Pompa 1 dinyalakan', acknowledgedByName: 'Pak Satpam' } });
		const events = await db.query<{ kind: string; by_user: string; note: string; severity: string; siaga: number }>('select kind, by_user, note, severity, siaga from alarm_event where alarm_id = $1', [id]);
		expect(events).toEqual([{ kind: 'acknowledged', by_user: officerA.id, note: 'Pompa 1 dinyalakan', severity: 'major', siaga: 2 }]);
		const logged = await db.query('select 1 from audit_log where action = $1 and target = $2 and actor_id = $3', ['alarm.acknowledge', id, officerA.id]);
		expect(logged.length).toBe(1);

		await expect.poll(() => seenA.length).toBe(1);
		expect(seenA[0]).toMatchObject({ kind: 'alarm', alarm: { id, ackNote: 'Pompa 1 dinyalakan' } });
		expect((seenA[0] as Extract<AlertMessage, { kind: 'alarm' }>).alarm.acknowledgedAt).toEqual(expect.any(String));
		// A second acknowledgement is refused; the first note stays.
		expect(await acknowledgeAlarm(db, officerA, { alarmId: id, note: 'lagi' }, publish)).toEqual({ ok: false, reason: 'already' });
		const [row] = await db.query<{ ack_note: string }>('select ack_note from alarm where id = $1', [id]);
		expect(row!.ack_note).toBe('Pompa 1 dinyalakan');
		// RW B's dashboard heard nothing of RW A (a marker message of B arrives after A's would have).
		await broker.publish(`rw/${rwB.code}/alerts/level/dash-wl-b`, JSON.stringify({ kind: 'level', level: { deviceId: 'dash-wl-b', levelCm: 1, siaga: 4, risePer10Min: 0, at: new Date().toISOString() } }));
		await expect.poll(() => seenB.length).toBe(1);
		expect(seenB[0]!.kind).toBe('level');
	});

	it('lets exactly one of two officers acknowledging at once win, with one event', async () => {
		const id = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'panic', severity: 'critical', siaga: null });
		const colleague = await makeMember(db, rwA, 'rw_admin');
		const results = await Promise.all([
			acknowledgeAlarm(db, officerA, { alarmId: id, note: 'Saya ke lokasi' }, publish),
			acknowledgeAlarm(db, colleague, { alarmId: id, note: 'Saya juga' }, publish)
		]);
		expect(results.filter((r) => r.ok).length).toBe(1);
		expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'already' });
		expect((await db.query('select 1 from alarm_event where alarm_id = $1', [id])).length).toBe(1);
	});

	it('refuses an officer of another RW, a resident and an RT head, and leaves the alarm untouched', async () => {
		const id = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'sensor_offline', severity: 'minor', siaga: null });
		expect(await acknowledgeAlarm(db, officerB, { alarmId: id, note: 'bukan RW saya' }, publish)).toEqual({ ok: false, reason: 'not_found' });
		expect(await acknowledgeAlarm(db, residentA, { alarmId: id, note: 'warga' }, publish)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await acknowledgeAlarm(db, rtHeadA, { alarmId: id, note: 'ketua RT' }, publish)).toEqual({ ok: false, reason: 'forbidden' });
		const [row] = await db.query<{ acknowledged_at: string | null }>('select acknowledged_at from alarm where id = $1', [id]);
		expect(row!.acknowledged_at).toBeNull();
		expect((await db.query('select 1 from alarm_event where alarm_id = $1', [id])).length).toBe(0);
	});

	it('is refused by the database itself for a member of another RW, whatever the service checks', async () => {
		const id = await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'low_battery', severity: 'warning', siaga: null });
		// Officer B in a session pointed at RW A (a forged rw claim): RLS still refuses.
		const forged = { ...officerB, rwId: rwA.id, rwCode: rwA.code };
		expect(await acknowledgeAlarm(db, forged, { alarmId: id, note: 'paksa' }, publish)).toEqual({ ok: false, reason: 'not_found' });
		const [row] = await db.query<{ acknowledged_at: string | null }>('select acknowledged_at from alarm where id = $1', [id]);
		expect(row!.acknowledged_at).toBeNull();
	});
});

describe('levels and history', () => {
	it('gives each sensor’s latest level with its Siaga level and rise over 10 minutes, and its history by range', async () => {
		const now = Date.now();
		const at = (minAgo: number) => new Date(now - minAgo * 60_000).toISOString();
		const readings: [number, number][] = [[12, 120], [2, 160], [0, 165]];
		let seq = 1;
		for (const [minAgo, level] of readings) {
			await db.query(`insert into reading (device_id, seq, rw_id, ts, level_cm) values ($1, $2, $3, $4, $5)`, ['dash-wl-a', seq++, rwA.id, at(minAgo), level]);
			await db.query(
				`insert into reading_minute (device_id, rw_id, bucket, min_cm, max_cm, sum_cm, n, last_cm, last_ts) values ($1, $2, date_trunc('minute', $3::timestamptz), $4::real, $4::real, $4::float8, 1, $4::real, $3)
				 on conflict do nothing`,
				['dash-wl-a', rwA.id, at(minAgo), level]
			);
		}
		// The engine's level, not the last reading's: no active flood alarm is normal (4),
		// an active one gives its level (a reload shows what the live screen showed).
		await db.query(`update alarm set cleared_at = now() where device_id = 'dash-wl-a' and type = 'flood_level' and cleared_at is null`);
		expect(await latestLevels(db, officerA)).toEqual([{ deviceId: 'dash-wl-a', levelCm: 165, siaga: 4, risePer10Min: 45, at: expect.any(String) }]);
		await makeAlarm(db, rwA.id, 'dash-wl-a', { type: 'flood_level', siaga: 3 });
		expect((await latestLevels(db, officerA))[0]!.siaga).toBe(3);
		// A silenced sensor raises no alarm: its level comes from the reading.
		await db.query(`update device set silenced_until = now() + interval '1 hour' where id = 'dash-wl-a'`);
		expect((await latestLevels(db, officerA))[0]!.siaga).toBe(2);
		await db.query(`update device set silenced_until = null where id = 'dash-wl-a'`);
		expect(await latestLevels(db, residentA)).toEqual([]);
		expect((await sensorHistory(db, officerA, 'dash-wl-a', 'hour')).map((p) => p.last_cm)).toEqual([120, 160, 165]);
		expect((await sensorHistory(db, officerA, 'dash-wl-a', 'day')).map((p) => p.avg_cm)).toEqual([120, 160, 165]);
		expect(await sensorHistory(db, officerB, 'dash-wl-a', 'hour')).toEqual([]);
		expect(await sensorHistory(db, officerA, 'dash-wl-a', 'week')).toEqual([]);
	});
});

describe('dashboard token', () => {
	it('closes an open dashboard connection when its token expires, and the token no longer connects', async () => {
		// A token with 1–2 s left (whole seconds): valid at connect, expired moments later.
		const password = mintDashboardToken(tokenKey, { userId: officerA.id, rwCode: officerA.rwCode!, rwId: officerA.rwId! }, 2);
		const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: 'dashboard', password, reconnectPeriod: 0 });
		clients.push(client);
		const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
		const [granted] = await client.subscribeAsync(`rw/${officerA.rwCode}/alerts/#`, { qos: 1 });
		expect(granted!.qos).toBe(1);
		// The broker ends the connection at expiry (the client would keep it open for ever).
		await closed;
		const again = await new Promise<Error & { code?: number }>((resolve) => {
			const c = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: 'dashboard', password, reconnectPeriod: 0 });
			clients.push(c);
			c.once('error', resolve);
		});
		expect(again.code).toBe(4);
	});
});
