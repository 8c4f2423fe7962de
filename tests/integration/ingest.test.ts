import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice, getDevice, setDisabled, type NewDevice } from '../../src/lib/server/devices/devices';
import { DEAD_LETTER_AFTER, Ingest } from '../../src/lib/server/ingest/ingest';
import { levelHistory, pruneReadings } from '../../src/lib/server/ingest/retention';
import { batchTime, rollupGroup, Rollups } from '../../src/lib/server/ingest/rollups';
import { writeBatch, writeReadings, type ReadingRow } from '../../src/lib/server/ingest/writer';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { mintDashboardToken } from '../../src/lib/server/mqtt/dashboard-token';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

let db: Database;
let rw: TestRw;
let other: TestRw;
let ingest: Ingest;
let broker: BrokerHandle;
const tokenKey = randomBytes(32);
const secrets = new Map<string, string>();
const clients: mqtt.MqttClient[] = [];
let admin: Awaited<ReturnType<typeof makeMember>>;
let otherAdmin: Awaited<ReturnType<typeof makeMember>>;

const sensor = (id: string): NewDevice => ({
	id, kind: 'sensor', name: id, rtId: null, lat: -6.155, lng: 106.905, reportIntervalS: 60,
	mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 150, siaga2Cm: 200, siaga1Cm: 250
});

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	other = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	otherAdmin = await makeMember(db, other, 'rw_admin');
	for (const id of ['t-wl-01', 't-wl-02', 't-wl-03', 't-wl-04', 't-wl-05']) {
		const created = await createDevice(db, admin, sensor(id));
		if (!created.ok) throw new Error(created.reason);
		secrets.set(id, created.secret);
	}
	const panic = await createDevice(db, admin, { ...sensor('t-pb-01'), kind: 'panic', mountingHeightCm: null, siaga1Cm: null, siaga2Cm: null, siaga3Cm: null });
	if (panic.ok) secrets.set('t-pb-01', panic.secret);
	const foreign = await createDevice(db, otherAdmin, sensor('o-wl-01'));
	if (foreign.ok) secrets.set('o-wl-01', foreign.secret);
	ingest = new Ingest(db);
	broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false, hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey }) });
});
afterAll(async () => {
	for (const c of clients) c.end(true);
	await broker?.close();
	await db?.close();
});

function connect(id: string, password = secrets.get(id), options: mqtt.IClientOptions = {}) {
	return new Promise<{ client: mqtt.MqttClient; error?: Error }>((resolve) => {
		const client = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: id, username: id, password, reconnectPeriod: 0, ...options });
		clients.push(client);
		client.once('connect', () => resolve({ client }));
		client.once('error', (error) => resolve({ client, error }));
	});
}

const level = (seq: number, distance = 100) => JSON.stringify({ distance_cm: distance, ts: new Date().toISOString(), bat: 3.9, seq });
const stored = async (id: string) => (await db.query<{ seq: string; level_cm: number }>('select seq::text, level_cm from reading where device_id = $1 order by seq', [id]));

describe('broker access', () => {
	it('refuses a wrong secret, a client id that is not the device id, and no credentials', async () => {
		const before = ingest.metrics.refusedConnections;
		expect((await connect('t-wl-01', 'wrong')).error?.message).toMatch(/Bad username or password/);
		expect((await connect('t-wl-01', secrets.get('t-wl-01'), { clientId: 'someone-else' })).error?.message).toMatch(/Not authorized/);
		expect((await connect('anon-1', undefined, { username: undefined })).error?.message).toMatch(/Bad username or password/);
		expect(ingest.metrics.refusedConnections).toBe(before + 3);
	});

	it('stores a QoS 1 reading before its PUBACK arrives, with the level from the mounting height', async () => {
		const { client, error } = await connect('t-wl-01');
		expect(error).toBeUndefined();
		await client.publishAsync('rw/' + rw.code + '/sensor/t-wl-01/level', level(1, 87.5), { qos: 1 });
		// The PUBACK has arrived: the row must already be there.
		expect(await stored('t-wl-01')).toEqual([{ seq: '1', level_cm: 212.5 }]);
		// Rollups and last-seen follow within a second (the runtime's timer); flush now.
		await ingest.flush();
		const minute = await db.query<{ n: number; last_cm: number }>('select n, last_cm from reading_minute where device_id = $1', ['t-wl-01']);
		expect(minute).toEqual([{ n: 1, last_cm: 212.5 }]);
	});

	it('stores a duplicate seq once and counts it', async () => {
		const { client } = await connect('t-wl-02');
		const topic = `rw/${rw.code}/sensor/t-wl-02/level`;
		await client.publishAsync(topic, level(7), { qos: 1 });
		await client.publishAsync(topic, level(7), { qos: 1 });
		await client.publishAsync(topic, level(8), { qos: 1 });
		expect((await stored('t-wl-02')).map((r) => r.seq)).toEqual(['7', '8']);
		expect(ingest.metrics.duplicates).toBeGreaterThanOrEqual(1);
		// The second 7 met the first in its COPY (PGlite) or plain insert (PostgreSQL), and
		// its batch was written again by the statement that skips stored readings.
		expect(ingest.renderMetrics()).toMatch(/^rukun_ingest_copy_fallbacks_total [1-9]\d*$/m);
	});

	it('sends no PUBACK for a reading it could not store: counted, the connection closed, other devices served', async () => {
		for (const id of ['t-wl-fail', 't-wl-ok']) {
			const created = await createDevice(db, admin, sensor(id));
			if (!created.ok) throw new Error(created.reason);
			secrets.set(id, created.secret);
		}
		// A database that refuses this device's rows (a full disk, a broken constraint).
		await db.exec(`create function t_refuse_reading() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$;
		               create trigger t_refuse before insert on reading for each row when (new.device_id = 't-wl-fail') execute function t_refuse_reading()`);
		try {
			const { client } = await connect('t-wl-fail');
			let acked = false;
			const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
			client.publish(`rw/${rw.code}/sensor/t-wl-fail/level`, level(1), { qos: 1 }, (err) => (acked = !err));
			await closed;
			expect(acked).toBe(false);
			expect(await stored('t-wl-fail')).toEqual([]);
			expect(ingest.renderMetrics()).toMatch(/^rukun_mqtt_messages_rejected_total\{reason="store_failed",device="t-wl-fail"\} 1$/m);
			const { client: other } = await connect('t-wl-ok');
			await other.publishAsync(`rw/${rw.code}/sensor/t-wl-ok/level`, level(2), { qos: 1 });
			expect((await stored('t-wl-ok')).map((r) => r.seq)).toEqual(['2']);
		} finally {
			await db.exec('drop trigger t_refuse on reading; drop function t_refuse_reading()');
		}
	});

	it('stores every other reading of a batch holding one the database refuses (no PUBACK for that one only)', async () => {
		const ids = ['t-wl-poison', 't-wl-mix1', 't-wl-mix2', 't-wl-mix3'];
		for (const id of ids) {
			const created = await createDevice(db, admin, sensor(id));
			if (!created.ok) throw new Error(created.reason);
			secrets.set(id, created.secret);
		}
		// A constraint the row breaks (SQLSTATE 23514): the data, not the database, is at fault.
		await db.exec(`create function t_poison() returns trigger language plpgsql as $$
		                 begin raise exception 'poisoned reading' using errcode = 'check_violation'; end $$;
		               create trigger t_poison before insert on reading for each row
		                 when (new.device_id = 't-wl-poison' and new.seq = 7) execute function t_poison()`);
		try {
			const clientsById = new Map<string, mqtt.MqttClient>();
			for (const id of ids) clientsById.set(id, (await connect(id)).client);
			const poisonClosed = new Promise<void>((resolve) => clientsById.get('t-wl-poison')!.once('close', () => resolve()));
			const acks: Promise<unknown>[] = [];
			// Sent together, so they meet in the same group commits as the refused one.
			for (let seq = 1; seq <= 20; seq++) {
				for (const id of ids.slice(1)) acks.push(clientsById.get(id)!.publishAsync(`rw/${rw.code}/sensor/${id}/level`, level(seq), { qos: 1 }));
				if (seq === 7) clientsById.get('t-wl-poison')!.publish(`rw/${rw.code}/sensor/t-wl-poison/level`, level(seq), { qos: 1 });
			}
			await Promise.all(acks);
			await poisonClosed;
			for (const id of ids.slice(1)) expect((await stored(id)).map((r) => Number(r.seq)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
			expect(await stored('t-wl-poison')).toEqual([]);
			expect(ingest.renderMetrics()).toMatch(/^rukun_mqtt_messages_rejected_total\{reason="store_failed",device="t-wl-poison"\} 1$/m);
		} finally {
			await db.exec('drop trigger t_poison on reading; drop function t_poison()');
		}
	});

	it('keeps a reading the database refuses three times in ingest_dead_letter and acknowledges it then', async () => {
		const created = await createDevice(db, admin, sensor('t-wl-dead'));
		if (!created.ok) throw new Error(created.reason);
		secrets.set('t-wl-dead', created.secret);
		await db.exec(`create function t_dead() returns trigger language plpgsql as $$
		                 begin raise exception 'never storable' using errcode = 'check_violation'; end $$;
		               create trigger t_dead before insert on reading for each row when (new.device_id = 't-wl-dead') execute function t_dead()`);
		try {
			const payload = level(5);
			// As a device does: no PUBACK, the connection closes, it connects again and sends the same message.
			const acked: boolean[] = [];
			for (let attempt = 1; attempt <= DEAD_LETTER_AFTER; attempt++) {
				const { client } = await connect('t-wl-dead');
				acked.push(
					await new Promise<boolean>((resolve) => {
						client.once('close', () => resolve(false));
						client.publish(`rw/${rw.code}/sensor/t-wl-dead/level`, payload, { qos: 1 }, (err) => resolve(!err));
					})
				);
				client.end(true);
			}
			expect(acked).toEqual([...Array<boolean>(DEAD_LETTER_AFTER - 1).fill(false), true]);
			const kept = await db.query<{ topic: string; payload: Buffer | Uint8Array; attempts: number; rw_id: string }>(
				`select topic, payload, attempts, rw_id from ingest_dead_letter where device_id = 't-wl-dead'`
			);
			expect(kept).toHaveLength(1);
			expect(kept[0]).toMatchObject({ topic: `rw/${rw.code}/sensor/t-wl-dead/level`, attempts: DEAD_LETTER_AFTER, rw_id: rw.id });
			expect(Buffer.from(kept[0]!.payload).toString()).toBe(payload);
			expect(ingest.renderMetrics()).toMatch(/^rukun_ingest_dead_letters_total 1$/m);
		} finally {
			await db.exec('drop trigger t_dead on reading; drop function t_dead()');
		}
	});

	it('keeps the readings of a device whose seq restarted after a reboot (new boot), and still ignores replays', async () => {
		const { client } = await connect('t-wl-05');
		const topic = `rw/${rw.code}/sensor/t-wl-05/level`;
		const reading = (boot: number, seq: number, distance: number) =>
			JSON.stringify({ distance_cm: distance, ts: new Date().toISOString(), bat: 3.9, seq, boot });
		await client.publishAsync(topic, reading(1, 1, 100), { qos: 1 });
		await client.publishAsync(topic, reading(1, 2, 101), { qos: 1 });
		// Power cut: the device starts again at seq 1 with its boot counter at 2.
		await client.publishAsync(topic, reading(2, 1, 150), { qos: 1 });
		await client.publishAsync(topic, reading(2, 2, 151), { qos: 1 });
		const duplicatesBefore = ingest.metrics.duplicates;
		await client.publishAsync(topic, reading(2, 2, 999), { qos: 1 });
		const rows = await db.query<{ boot: string; seq: string; distance_cm: number }>(
			'select boot::text, seq::text, distance_cm from reading where device_id = $1 order by boot, seq',
			['t-wl-05']
		);
		expect(rows).toEqual([
			{ boot: '1', seq: '1', distance_cm: 100 },
			{ boot: '1', seq: '2', distance_cm: 101 },
			{ boot: '2', seq: '1', distance_cm: 150 },
			{ boot: '2', seq: '2', distance_cm: 151 }
		]);
		expect(ingest.metrics.duplicates).toBe(duplicatesBefore + 1);
		// A boot that is not a whole number ≥ 0 is refused and counted, and stores nothing.
		const rejectedBefore = ingest.metrics.rejectedTotal();
		await client.publishAsync(topic, reading(-1, 3, 100), { qos: 1 });
		await client.publishAsync(topic, JSON.stringify({ distance_cm: 100, seq: 4, boot: 'dua' }), { qos: 1 });
		expect(ingest.metrics.rejectedTotal()).toBe(rejectedBefore + 2);
		expect(await db.query('select 1 from reading where device_id = $1 and seq > 2', ['t-wl-05'])).toEqual([]);
	});

	it('drops and counts another device’s or RW’s topic, bad JSON, bad fields, out-of-range and oversized payloads — and keeps serving', async () => {
		const { client } = await connect('t-wl-03');
		const own = `rw/${rw.code}/sensor/t-wl-03/level`;
		const cases: [string, string | Buffer, string][] = [
			[`rw/${rw.code}/sensor/t-wl-04/level`, level(1), 'forbidden_topic'],
			[`rw/${other.code}/sensor/t-wl-03/level`, level(2), 'forbidden_topic'],
			[own, '{not json', 'bad_json'],
			[own, JSON.stringify({ distance_cm: 'deep', seq: 3 }), 'bad_fields'],
			[own, JSON.stringify({ distance_cm: -5, seq: 4 }), 'out_of_range'],
			[own, Buffer.alloc(4096, 0x20), 'oversized'],
			['$SYS/hack', 'x', 'reserved_topic']
		];
		for (const [topic, payload, reason] of cases) {
			const before = ingest.metrics.rejectedTotal(reason as never);
			await client.publishAsync(topic, payload, { qos: 1 });
			expect(ingest.metrics.rejectedTotal(reason as never), reason).toBe(before + 1);
		}
		expect(client.connected).toBe(true);
		await client.publishAsync(own, level(10), { qos: 1 });
		expect((await stored('t-wl-03')).map((r) => r.seq)).toEqual(['10']);
		expect(await stored('t-wl-04')).toEqual([]);
		expect(ingest.renderMetrics()).toMatch(/rukun_mqtt_messages_rejected_total\{reason="forbidden_topic",device="t-wl-03"\} 2/);
	});

	it('stores a level_cm payload as sent, without a distance, and refuses both or neither', async () => {
		const { client } = await connect('t-wl-03');
		const topic = `rw/${rw.code}/sensor/t-wl-03/level`;
		await client.publishAsync(topic, JSON.stringify({ level_cm: 42.5, seq: 101 }), { qos: 1 });
		const [row] = await db.query<{ level_cm: number; distance_cm: number | null }>('select level_cm, distance_cm from reading where device_id = $1 and seq = 101', ['t-wl-03']);
		expect(row).toEqual({ level_cm: 42.5, distance_cm: null });
		const before = ingest.metrics.rejectedTotal('bad_fields');
		await client.publishAsync(topic, JSON.stringify({ level_cm: 40, distance_cm: 260, seq: 102 }), { qos: 1 });
		await client.publishAsync(topic, JSON.stringify({ seq: 103 }), { qos: 1 });
		expect(ingest.metrics.rejectedTotal('bad_fields')).toBe(before + 2);
		expect(await db.query('select 1 from reading where device_id = $1 and seq in (102, 103)', ['t-wl-03'])).toEqual([]);
	});

	it('trusts a device clock from 7 days back to 5 minutes ahead, else stores server time with clock_skew', async () => {
		const { client } = await connect('t-wl-03');
		const topic = `rw/${rw.code}/sensor/t-wl-03/level`;
		const now = Date.now();
		const cases: [number, string, boolean][] = [
			[201, new Date(now - 6 * 86_400_000).toISOString(), false], // a replay after an outage: kept
			[202, new Date(now + 60_000).toISOString(), false],
			[203, new Date(now + 3600_000).toISOString(), true], // an hour ahead
			[204, new Date(now - 8 * 86_400_000).toISOString(), true], // older than a week
			[205, 'kemarin', true]
		];
		for (const [seq, ts] of cases) await client.publishAsync(topic, JSON.stringify({ distance_cm: 100, ts, seq }), { qos: 1 });
		const rows = await db.query<{ seq: string; ts: Date; clock_skew: boolean; received_at: Date }>(
			'select seq::text, ts, clock_skew, received_at from reading where device_id = $1 and seq between 201 and 205 order by seq',
			['t-wl-03']
		);
		expect(rows.map((r) => [Number(r.seq), r.clock_skew])).toEqual(cases.map(([seq, , skew]) => [seq, skew]));
		for (const [i, r] of rows.entries()) {
			const [, ts, skew] = cases[i]!;
			// Distrusted: the server's time of arrival instead, within the test's own span.
			if (skew) expect(Math.abs(new Date(r.ts).getTime() - new Date(r.received_at).getTime())).toBeLessThan(60_000);
			else expect(new Date(r.ts).toISOString()).toBe(ts);
		}
	});

	it('drops and counts messages of devices it does not know, disabled, or of another RW, without a crash', async () => {
		// Development (anonymous) clients reach ingest too; a device id nobody registered is dropped.
		const devIngest = new Ingest(db);
		const verdict = await devIngest.handle({ kind: 'anonymous' }, `rw/${rw.code}/sensor/ghost-01/level`, Buffer.from(level(1)));
		expect(verdict).toBe('drop');
		expect(devIngest.metrics.rejectedTotal('unknown_device')).toBe(1);
		// A registered device published under another RW's code, and a will of a device since deleted.
		expect(await devIngest.handle({ kind: 'anonymous' }, `rw/${other.code}/sensor/t-wl-01/level`, Buffer.from(level(2)))).toBe('drop');
		expect(await devIngest.handle(null, `rw/${rw.code}/device/ghost-02/status`, Buffer.from('offline'))).toBe('drop');
		expect(devIngest.metrics.rejectedTotal('unknown_device')).toBe(3);
		expect(devIngest.renderMetrics()).toMatch(/rukun_mqtt_messages_rejected_total\{reason="unknown_device",device="ghost-01"\} 1/);
		expect(await db.query(`select 1 from reading where device_id in ('ghost-01', 'ghost-02')`)).toEqual([]);
		await devIngest.close();
	});

	it('stores panic presses and device status from the retained LWT', async () => {
		const { client } = await connect('t-pb-01', secrets.get('t-pb-01'), {
			will: { topic: `rw/${rw.code}/device/t-pb-01/status`, payload: Buffer.from('offline'), qos: 1, retain: true }
		});
		await client.publishAsync(`rw/${rw.code}/device/t-pb-01/status`, 'online', { qos: 1, retain: true });
		await client.publishAsync(`rw/${rw.code}/panic/t-pb-01`, JSON.stringify({ ts: new Date().toISOString(), seq: 1 }), { qos: 1 });
		expect(await db.query('select seq::int from panic_event where device_id = $1', ['t-pb-01'])).toEqual([{ seq: 1 }]);
		expect((await db.query<{ status: string }>('select status from device where id = $1', ['t-pb-01']))[0]!.status).toBe('online');
		// Kill the socket: the broker publishes the will on the device's behalf.
		const offline = new Promise<void>((resolve) => {
			const check = setInterval(() => {
				void db.query<{ status: string }>('select status from device where id = $1', ['t-pb-01']).then((r) => {
					if (r[0]!.status === 'offline') {
						clearInterval(check);
						resolve();
					}
				});
			}, 20);
		});
		(client as unknown as { stream: { destroy(): void } }).stream.destroy();
		await offline;
		expect((await db.query<{ status: string }>('select status from device where id = $1', ['t-pb-01']))[0]!.status).toBe('offline');
	});

	it('disconnects a disabled device at once and refuses it afterwards', async () => {
		const { client } = await connect('t-wl-04');
		const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
		expect(await setDisabled(db, admin, 't-wl-04', true)).toBe(true);
		ingest.invalidate('t-wl-04');
		broker.disconnect('t-wl-04');
		await closed;
		expect((await connect('t-wl-04')).error?.message).toMatch(/Not authorized/);
	});

	it('lets a dashboard subscribe to its own RW’s alerts only, and never publish', async () => {
		const token = mintDashboardToken(tokenKey, { userId: 'u1', rwCode: rw.code, rwId: rw.id });
		const { client, error } = await connect('dash-1', token, { username: 'dashboard' });
		expect(error).toBeUndefined();
		const granted = await client.subscribeAsync(`rw/${rw.code}/alerts/#`, { qos: 1 });
		expect(granted.map((g) => g.qos)).toEqual([1]);
		for (const filter of [`rw/${other.code}/alerts/#`, 'rw/+/alerts/#', `rw/${rw.code}/sensor/+/level`]) {
			// A refused subscription gets SUBACK 0x80, which mqtt.js reports as an error.
			await expect(client.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow(/Subscribe error/);
		}
		const got = new Promise<string>((resolve) => client.on('message', (t) => resolve(t)));
		broker.aedes.publish({ cmd: 'publish', topic: `rw/${rw.code}/alerts/flood`, payload: Buffer.from('{}'), qos: 1, retain: false, dup: false }, () => {});
		expect(await got).toBe(`rw/${rw.code}/alerts/flood`);
		const before = ingest.metrics.rejectedTotal('forbidden_topic');
		await client.publishAsync(`rw/${rw.code}/alerts/fake`, 'x', { qos: 1 });
		expect(ingest.metrics.rejectedTotal('forbidden_topic')).toBe(before + 1);
		const expired = mintDashboardToken(tokenKey, { userId: 'u1', rwCode: rw.code, rwId: rw.id }, -1);
		expect((await connect('dash-2', expired, { username: 'dashboard' })).error?.message).toMatch(/Bad username or password/);
		// Signed with another key, or its claims changed to another RW under the old signature.
		const foreign = mintDashboardToken(randomBytes(32), { userId: 'u1', rwCode: rw.code, rwId: rw.id });
		expect((await connect('dash-3', foreign, { username: 'dashboard' })).error?.message).toMatch(/Bad username or password/);
		const [body, mac] = token.split('.');
		const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
		const moved = `${Buffer.from(JSON.stringify({ ...claims, rwCode: other.code, rwId: other.id })).toString('base64url')}.${mac}`;
		expect((await connect('dash-4', moved, { username: 'dashboard' })).error?.message).toMatch(/Bad username or password/);
		expect((await connect('dash-5', 'not-a-token', { username: 'dashboard' })).error?.message).toMatch(/Bad username or password/);
	});
});

describe('rollups', () => {
	// One minute bucket, well inside it, so the rows cannot straddle two minutes.
	// Fixed once: computed per call, a run that crossed a minute boundary compared
	// readings of one minute with the rollup of the next.
	const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
	const inMinute = (second: number) => new Date(minute + second * 1000);
	const minuteOf = async (id: string) =>
		db.query<{ n: number; min_cm: number; max_cm: number; last_cm: number }>(
			'select n, min_cm, max_cm, last_cm from reading_minute where device_id = $1 and bucket = $2',
			[id, inMinute(0).toISOString()]
		);
	const row = (id: string, seq: number, level: number, ts: Date): ReadingRow => ({
		deviceId: id, rwId: rw.id, boot: 9, seq, ts, levelCm: level, distanceCm: 300 - level, batteryV: 3.7, clockSkew: false
	});

	it('counts every reading once: flushed sums, repeats inside a batch, and last-seen', async () => {
		const { client } = await connect('t-wl-03');
		const topic = `rw/${rw.code}/sensor/t-wl-03/level`;
		const at = (second: number, seq: number, distance: number) =>
			JSON.stringify({ distance_cm: distance, ts: inMinute(second).toISOString(), seq, boot: 1, bat: 3 + seq / 10 });
		await ingest.flush(); // earlier tests' readings (newer, bat 3.9) go out first
		// Sent together, so the repeat of seq 2 lands in the same batch as its first copy.
		await Promise.all([
			client.publishAsync(topic, at(1, 1, 100), { qos: 1 }),
			client.publishAsync(topic, at(2, 2, 90), { qos: 1 }),
			client.publishAsync(topic, at(2, 2, 90), { qos: 1 }),
			client.publishAsync(topic, at(3, 3, 120), { qos: 1 })
		]);
		await ingest.flush();
		expect(await minuteOf('t-wl-03')).toEqual([{ n: 3, min_cm: 180, max_cm: 210, last_cm: 180 }]);
		// Battery from the newest reading of the flush (bat 3.3, seq 3).
		const [device] = await db.query<{ battery_v: number }>('select battery_v from device where id = $1', ['t-wl-03']);
		expect(device!.battery_v).toBeCloseTo(3.3, 5);
		expect(await db.query('select 1 from rollup_pending')).toEqual([]);
		const metrics = ingest.renderMetrics();
		expect(metrics).toMatch(/^rukun_rollup_batches_waiting 0$/m);
		expect(Number(/^rukun_rollup_flushes_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
	});

	it('folds the batches of a process that died before its flush, once', async () => {
		await ingest.flush(); // nothing of the live Ingest pending
		// What a crashed instance leaves: raw readings and their pending row, no rollups.
		await writeReadings(db, [row('t-wl-04', 1, 50, inMinute(10)), row('t-wl-04', 2, 70, inMinute(20))], batchTime());
		await writeReadings(db, [row('t-wl-04', 3, 60, inMinute(30))], batchTime());
		expect(await minuteOf('t-wl-04')).toEqual([]);
		await db.query(`update device set status = 'offline' where id = 't-wl-04'`);
		const recovery = new Rollups(db, { staleSeconds: 0 });
		expect(await recovery.recover()).toBe(2);
		// The LWT's word stands here too.
		expect(await db.query('select status from device where id = $1', ['t-wl-04'])).toEqual([{ status: 'offline' }]);
		expect(await minuteOf('t-wl-04')).toEqual([{ n: 3, min_cm: 50, max_cm: 70, last_cm: 60 }]);
		expect(await recovery.recover()).toBe(0);
		expect(await minuteOf('t-wl-04')).toEqual([{ n: 3, min_cm: 50, max_cm: 70, last_cm: 60 }]);
		// Not yet stale (the default is a minute): a live instance's batch is left to it.
		await writeReadings(db, [row('t-wl-04', 4, 65, inMinute(40))], batchTime());
		expect(await new Rollups(db).recover()).toBe(0);
		expect(await recovery.recover()).toBe(1);
		expect((await minuteOf('t-wl-04'))[0]!.n).toBe(4);
		// Once closed (shutdown), a recovery still queued does nothing.
		await recovery.close();
		await writeReadings(db, [row('t-wl-04', 5, 66, inMinute(41))], batchTime());
		expect(await recovery.recover()).toBe(0);
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(1);
		expect((await minuteOf('t-wl-04'))[0]!.n).toBe(5);
	});

	it('treats a repeat inside one batch as a duplicate of its first copy', async () => {
		await ingest.flush();
		const batchesBefore = ingest.readings.stats.batches;
		// Added in one tick: the group commit writes them as one batch.
		const sent = [row('t-wl-02', 901, 40, inMinute(41)), row('t-wl-02', 902, 41, inMinute(42)), row('t-wl-02', 902, 41, inMinute(42)), row('t-wl-02', 903, 42, inMinute(43))];
		expect(await Promise.all(sent.map((r) => ingest.readings.add(r)))).toEqual([true, true, false, true]);
		expect(ingest.readings.stats.batches).toBe(batchesBefore + 1);
		await ingest.flush();
		expect(await minuteOf('t-wl-02')).toEqual([{ n: 3, min_cm: 40, max_cm: 42, last_cm: 42 }]);
	});

	it('writes the batch again at a new time when another instance took its time', async () => {
		await ingest.flush();
		const taken = batchTime();
		await db.query(`insert into rollup_pending (batch_at, min_ts, max_ts) values ($1::text::timestamptz, now(), now())`, [taken]);
		const times = [taken, batchTime()];
		const { batchAt } = await writeBatch(db, [row('t-wl-02', 950, 40, inMinute(44))], () => times.shift()!);
		expect(batchAt).not.toBe(taken);
		expect(await db.query<{ n: number }>(`select count(*)::int as n from reading where device_id = 't-wl-02' and seq = 950 and received_at = $1::text::timestamptz`, [batchAt])).toEqual([{ n: 1 }]);
		await db.query('delete from rollup_pending where batch_at = $1::text::timestamptz', [taken]);
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(1);
	});

	it('leaves the status to the LWT topic: a late sum does not bring an offline device back online', async () => {
		const { client } = await connect('t-wl-02');
		await client.publishAsync(`rw/${rw.code}/sensor/t-wl-02/level`, level(960), { qos: 1 });
		await client.publishAsync(`rw/${rw.code}/device/t-wl-02/status`, 'offline', { qos: 1, retain: true });
		await ingest.flush();
		expect(await db.query('select status from device where id = $1', ['t-wl-02'])).toEqual([{ status: 'offline' }]);
		// A device that never sent a status is online once its readings are in.
		await db.query(`update device set status = 'unknown' where id = 't-wl-02'`);
		await client.publishAsync(`rw/${rw.code}/sensor/t-wl-02/level`, level(961), { qos: 1 });
		await ingest.flush();
		expect(await db.query('select status from device where id = $1', ['t-wl-02'])).toEqual([{ status: 'online' }]);
	});

	it('skips the sums of a device deleted before they were written, and writes the others', async () => {
		await ingest.flush();
		const created = await createDevice(db, admin, sensor('t-wl-brief'));
		if (!created.ok) throw new Error(created.reason);
		const rollups = new Rollups(db);
		const brief = [row('t-wl-brief', 1, 30, inMinute(45))];
		const kept = [row('t-wl-04', 970, 33, inMinute(46))];
		for (const rows of [brief, kept]) {
			const { batchAt } = await writeBatch(db, rows);
			rollups.add(batchAt, rows);
		}
		// Deleted between its raw write and the flush (its readings go with it).
		await db.query('delete from device where id = $1', ['t-wl-brief']);
		await rollups.flush();
		expect((await minuteOf('t-wl-04'))[0]!.n).toBe(6);
		// Raw readings written for it after all (a stale device cache) do not stop recovery.
		await writeBatch(db, [row('t-wl-brief', 2, 31, inMinute(47))]);
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(1);
	});

	it('keeps the sums of a write that failed and writes them with the next', async () => {
		const rollups = new Rollups(db);
		const first = [row('t-wl-05', 980, 20, inMinute(48))];
		const a = await writeBatch(db, first);
		rollups.add(a.batchAt, first);
		// A real failure: the hour table is away for a moment.
		await db.exec('alter table reading_hour rename to reading_hour_away');
		await expect(rollups.flush()).rejects.toThrow(/reading_hour/);
		await db.exec('alter table reading_hour_away rename to reading_hour');
		expect([rollups.stats.failures, rollups.waiting]).toEqual([1, 1]);
		expect(await minuteOf('t-wl-05')).toEqual([]);
		const second = [row('t-wl-05', 981, 25, inMinute(49))];
		const b = await writeBatch(db, second);
		rollups.add(b.batchAt, second);
		await rollups.flush();
		expect(rollups.waiting).toBe(0);
		expect(await minuteOf('t-wl-05')).toEqual([{ n: 2, min_cm: 20, max_cm: 25, last_cm: 25 }]);
		expect(await db.query('select 1 from rollup_pending where batch_at = any ($1::text[]::timestamptz[])', [[a.batchAt, b.batchAt]])).toEqual([]);
	});

	it('writes the sums in messages of whole sensor groups; a flush that fails after some leaves only the others to recovery, counted once', async () => {
		await ingest.flush();
		// Two new sensors in different groups (the app and the database compute the same group).
		const ids = Array.from({ length: 16 }, (_, i) => `t-wl-grp-${i}`);
		const groups = await db.query<{ id: string; g: number }>('select id, app.rollup_group(id) as g from unnest($1::text[]) as id', [ids]);
		expect(groups.map((r) => r.g)).toEqual(ids.map(rollupGroup));
		const first = ids.find((id) => rollupGroup(id) === Math.min(...ids.map(rollupGroup)))!;
		const later = ids.find((id) => rollupGroup(id) > rollupGroup(first))!;
		for (const id of [first, later]) {
			const created = await createDevice(db, admin, sensor(id));
			if (!created.ok) throw new Error(created.reason);
		}
		// One message per group here; the later group's write fails (a real error of the database).
		const rollups = new Rollups(db, { flushMessageRows: 1 });
		const rows = [row(first, 1, 11, inMinute(51)), row(later, 1, 22, inMinute(51))];
		const { batchAt } = await writeBatch(db, rows);
		rollups.add(batchAt, rows);
		await db.exec(`create function pg_temp.refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$;
		  create trigger refuse_later before insert on reading_minute for each row when (new.device_id = '${later}') execute function pg_temp.refuse()`);
		try {
			await expect(rollups.flush()).rejects.toThrow(/refused/);
		} finally {
			await db.exec('drop trigger refuse_later on reading_minute');
		}
		// The first group is in and marked for the batch; its pending row stays for recovery.
		expect(rollups.waiting).toBe(0);
		expect(await minuteOf(first)).toEqual([{ n: 1, min_cm: 11, max_cm: 11, last_cm: 11 }]);
		expect(await minuteOf(later)).toEqual([]);
		const [pending] = await db.query<{ flushed_groups: number }>('select flushed_groups from rollup_pending where batch_at = $1::text::timestamptz', [batchAt]);
		expect(pending!.flushed_groups).toBe(1 << rollupGroup(first));
		// Recovery folds the other group only: every reading counted once.
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(1);
		expect(await minuteOf(first)).toEqual([{ n: 1, min_cm: 11, max_cm: 11, last_cm: 11 }]);
		expect(await minuteOf(later)).toEqual([{ n: 1, min_cm: 22, max_cm: 22, last_cm: 22 }]);
		const spans = await db.query<{ device_id: string; received: number }>(
			'select device_id, received::int as received from device_seq_span where device_id = any ($1::text[]) order by device_id',
			[[first, later]]
		);
		expect(spans.map((x) => x.received)).toEqual([1, 1]);
		expect(await db.query('select 1 from rollup_pending where batch_at = $1::text::timestamptz', [batchAt])).toEqual([]);
	});

	it('does not count again what recovery folded while this instance could not flush', async () => {
		await ingest.flush();
		const slow = new Rollups(db);
		const rows = [row('t-wl-04', 10, 80, inMinute(50))];
		const at = batchTime();
		await writeReadings(db, rows, at);
		slow.add(at, rows);
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(1);
		await slow.flush();
		expect(slow.stats.batchesDiscarded).toBe(1);
		expect(slow.waiting).toBe(0);
		expect(await minuteOf('t-wl-04')).toEqual([{ n: 7, min_cm: 33, max_cm: 80, last_cm: 80 }]);
	});
});

describe('bulk write', () => {
	const reading = (seq: number, minutesAgo: number): ReadingRow => ({
		deviceId: 't-wl-bulk', rwId: rw.id, boot: 3, seq, ts: new Date(Date.now() - minutesAgo * 60_000), levelCm: 40 + seq % 10, distanceCm: 260, batteryV: null, clockSkew: false
	});
	const seqs = async () =>
		(await db.query<{ seq: string }>('select seq::text from reading where device_id = $1 order by seq', ['t-wl-bulk'])).map((r) => Number(r.seq));

	it('writes a batch that meets a stored reading again: the rest stored, the repeat reported, the batch time kept to the microsecond', async () => {
		await ingest.flush();
		const created = await createDevice(db, admin, sensor('t-wl-bulk'));
		if (!created.ok) throw new Error(created.reason);
		let fallbacks = 0;
		const count = () => fallbacks++;
		expect((await writeBatch(db, [reading(1, 20), reading(2, 20)], batchTime, count)).stored.size).toBe(0);
		expect(fallbacks).toBe(0);
		const { batchAt, stored: repeats } = await writeBatch(db, [reading(3, 19), reading(2, 20), reading(4, 19)], batchTime, count);
		expect([...repeats]).toEqual(['t-wl-bulk:3:2']);
		// The first write (COPY on PGlite, the plain insert on PostgreSQL) has no ON
		// CONFLICT: the batch went in again by the statement that skips.
		expect(fallbacks).toBe(1);
		expect(await seqs()).toEqual([1, 2, 3, 4]);
		// Recovery finds a batch's readings by its exact time.
		const [match] = await db.query<{ n: number }>(
			`select count(*)::int as n from reading r join rollup_pending p on p.batch_at = r.received_at
			  where r.device_id = 't-wl-bulk' and p.batch_at = $1::text::timestamptz`,
			[batchAt]
		);
		expect(match!.n).toBe(2);
		// Fold these batches now, so that later tests count only their own.
		expect(await new Rollups(db, { staleSeconds: 0 }).recover()).toBe(2);
	});
});

describe('device removal', () => {
	it('deletes the readings of a deleted device (no foreign key on the raw table: a trigger)', async () => {
		const created = await createDevice(db, admin, sensor('t-wl-gone'));
		if (!created.ok) throw new Error(created.reason);
		await writeReadings(db, [{ deviceId: 't-wl-gone', rwId: rw.id, boot: 0, seq: 1, ts: new Date(), levelCm: 10, distanceCm: 290, batteryV: null, clockSkew: false }], batchTime());
		expect(await stored('t-wl-gone')).toHaveLength(1);
		await db.query('delete from device where id = $1', ['t-wl-gone']);
		expect(await stored('t-wl-gone')).toEqual([]);
		expect(await stored('t-wl-01')).not.toEqual([]);
	});
});

describe('retention', () => {
	it('prunes old raw readings and keeps the rollups', async () => {
		await db.query(
			`insert into reading (device_id, seq, rw_id, ts, level_cm) values ('t-wl-01', 1000, $1, now() - interval '40 days', 99)`,
			[rw.id]
		);
		await db.query(
			`insert into reading_hour (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
			 values ('t-wl-01', date_trunc('hour', now() - interval '20 days'), $1, 99, 99, 99, 1, 99, now() - interval '20 days')`,
			[rw.id]
		);
		expect(await pruneReadings(db, 30)).toBe(1);
		expect((await stored('t-wl-01')).map((r) => r.seq)).toEqual(['1']);
		const month = await levelHistory(db, admin, 't-wl-01', '30d');
		expect(month.some((p) => p.last_cm === 99)).toBe(true);
		const day = await levelHistory(db, admin, 't-wl-01', '24h');
		expect(day.at(-1)?.last_cm).toBe(212.5);
		expect(day.at(-1)?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
		// Another RW's admin reads none of it (RLS), and finds no such device.
		expect(await levelHistory(db, otherAdmin, 't-wl-01', '24h')).toEqual([]);
		expect(await getDevice(db, otherAdmin, 't-wl-01')).toBeNull();
		expect((await getDevice(db, admin, 't-wl-01'))?.last_level_cm).toBe(212.5);
	});
});
