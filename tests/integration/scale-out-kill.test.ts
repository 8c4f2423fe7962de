import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mqtt from 'mqtt';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice, devicesForBroker, type NewDevice } from '../../src/lib/server/devices/devices';
import { Rollups } from '../../src/lib/server/ingest/rollups';
import { APP_PASSWORD, startMosquitto, type TestMosquitto } from '../factories/mosquitto';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Two app instances as separate processes on one PostgreSQL and a real Mosquitto with
// the generated config; one is killed with SIGKILL mid-stream and started again. Needs
// PostgreSQL (two processes cannot share a PGlite): runs in `npm test`'s PostgreSQL pass.
const url = process.env.DATABASE_URL;
const template = inject('postgresTemplate');
const INSTANCE = path.resolve(import.meta.dirname, 'fixtures/external-instance.ts');
const DEVICES = ['k-wl-01', 'k-wl-02'];
const PER_DEVICE = 3000;

let admin: ReturnType<typeof postgres> | null = null;
let dbName = '';
let dbUrl = '';
let db: Database;
let rw: TestRw;
let mosquitto: TestMosquitto;
const secrets = new Map<string, string>();
const running = new Set<ChildProcess>();
const clients: mqtt.MqttClient[] = [];

/** Starts one instance process; resolves when it printed "ready" (connected and subscribed). */
function startInstance(user: string): Promise<ChildProcess> {
	const child = spawn(process.execPath, ['--import', 'tsx', INSTANCE], {
		env: { ...process.env, DATABASE_URL: dbUrl, MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`, MQTT_USERNAME: user, MQTT_PASSWORD: APP_PASSWORD },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	running.add(child);
	child.once('exit', () => running.delete(child));
	let err = '';
	child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
	return new Promise((resolve, reject) => {
		child.stdout!.on('data', (d: Buffer) => {
			if (d.toString().includes('ready')) resolve(child);
		});
		child.once('exit', (code) => reject(new Error(`instance ${user} exited ${code}: ${err}`)));
	});
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

describe.runIf(url && template)('scale-out: SIGKILL of one of two instances mid-stream', () => {
	beforeAll(async () => {
		dbName = `rukun_t_${randomBytes(6).toString('hex')}`;
		admin = postgres(url!, { max: 1, onnotice: () => {} });
		await admin.unsafe(`create database ${dbName} template ${template}`);
		const u = new URL(url!);
		u.pathname = `/${dbName}`;
		dbUrl = u.toString();
		db = await openPostgresThread(dbUrl, { max: 2 });
		rw = await makeRw(db, 1, 1);
		const member = await makeMember(db, rw, 'rw_admin');
		for (const id of DEVICES) {
			const device: NewDevice = { id, kind: 'sensor', name: id, rtId: null, lat: null, lng: null, reportIntervalS: 60, mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 100, siaga2Cm: 150, siaga1Cm: 200 };
			const created = await createDevice(db, member, device);
			if (!created.ok) throw new Error(created.reason);
			secrets.set(id, created.secret);
		}
		mosquitto = await startMosquitto(await devicesForBroker(db), ['rukun-app-1', 'rukun-app-2']);
	});

	afterAll(async () => {
		for (const c of clients) c.end(true);
		for (const child of running) child.kill('SIGKILL');
		await mosquitto?.stop();
		await db?.close();
		if (admin) {
			await admin.unsafe(`drop database if exists ${dbName} with (force)`);
			await admin.end();
		}
	});

	it('loses and doubles nothing: every PUBACKed reading stored once, the rollups count each once', async () => {
		const [a] = await Promise.all([startInstance('rukun-app-1'), startInstance('rukun-app-2')]);
		const publishers = await Promise.all(
			DEVICES.map(
				(id) =>
					new Promise<mqtt.MqttClient>((resolve, reject) => {
						const client = mqtt.connect(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: id, username: id, password: secrets.get(id)!, reconnectPeriod: 0 });
						clients.push(client);
						client.once('connect', () => resolve(client));
						client.once('error', reject);
					})
			)
		);
		const stored = () => db.query<{ n: number }>('select count(*)::int as n from reading').then((r) => r[0]!.n);
		let acked = 0;
		// A steady stream (each device ~1,000/s in slices of 50): the kill lands mid-stream.
		const stream = (async () => {
			for (let from = 1; from <= PER_DEVICE; from += 50) {
				await Promise.all(
					publishers.flatMap((client, d) =>
						Array.from({ length: 50 }, (_, i) =>
							client.publishAsync(`rw/${rw.code}/sensor/${DEVICES[d]}/level`, JSON.stringify({ distance_cm: 120, seq: from + i, boot: 1 }), { qos: 1 }).then(() => acked++)
						)
					)
				);
				await new Promise((r) => setTimeout(r, 50));
			}
		})();
		await until(stored, (n) => n >= 1000);
		a.kill('SIGKILL');
		await until(async () => acked, (n) => n >= 2500 + 1000);
		await startInstance('rukun-app-1');
		await stream;
		expect(acked).toBe(DEVICES.length * PER_DEVICE);
		await until(stored, (n) => n >= DEVICES.length * PER_DEVICE);
		const perDevice = await db.query<{ device_id: string; n: number; distinct_n: number; min: number; max: number }>(
			`select device_id, count(*)::int as n, count(distinct seq)::int as distinct_n, min(seq)::int as min, max(seq)::int as max
			   from reading group by device_id order by device_id`
		);
		expect(perDevice).toEqual(DEVICES.map((device_id) => ({ device_id, n: PER_DEVICE, distinct_n: PER_DEVICE, min: 1, max: PER_DEVICE })));
		// The rollups add each reading once (a redelivered copy is not counted again).
		// The living instances flush theirs as they stop; the killed one's last batches
		// are folded from the raw readings by recovery (here at once, not after a minute).
		await Promise.all([...running].map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))));
		await new Rollups(db, { staleSeconds: 0 }).recover();
		const [rolled] = await db.query<{ n: number }>('select coalesce(sum(n), 0)::int as n from reading_minute');
		expect(rolled!.n).toBe(DEVICES.length * PER_DEVICE);
		// …and so does gap reporting: no seq is missing, none counted twice.
		expect(await db.query('select device_id, first_seq::int, last_seq::int, received::int from device_seq_span order by device_id')).toEqual(
			DEVICES.map((device_id) => ({ device_id, first_seq: 1, last_seq: PER_DEVICE, received: PER_DEVICE }))
		);
	}, 90_000);
});
