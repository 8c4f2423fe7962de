import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice, devicesForBroker, type NewDevice } from '../../src/lib/server/devices/devices';
import { mosquittoAcl, mosquittoPasswords } from '../../src/lib/server/devices/mosquitto';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { connectExternalBroker, type ExternalBroker } from '../../src/lib/server/mqtt/external';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// A real Mosquitto from Debian (npm test installs it): the external-broker mode.
const MOSQUITTO = '/usr/sbin/mosquitto';
const APP_PASSWORD = 'app-secret-for-tests';

let db: Database;
let rw: TestRw;
let dir: string;
let port: number;
let mosquitto: ChildProcess;
let instances: { ingest: Ingest; link: ExternalBroker }[] = [];
const secrets = new Map<string, string>();
const clients: mqtt.MqttClient[] = [];

const freePort = () =>
	new Promise<number>((resolve) => {
		const s = createServer().listen(0, '127.0.0.1', () => {
			const p = (s.address() as { port: number }).port;
			s.close(() => resolve(p));
		});
	});

beforeAll(async () => {
	expect(existsSync(MOSQUITTO), 'mosquitto is installed by scripts/test.sh').toBe(true);
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	const admin = await makeMember(db, rw, 'rw_admin');
	const sensor = (id: string): NewDevice => ({ id, kind: 'sensor', name: id, rtId: null, lat: null, lng: null, reportIntervalS: 60, mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 100, siaga2Cm: 150, siaga1Cm: 200 });
	for (const id of ['m-wl-01', 'm-wl-02']) {
		const created = await createDevice(db, admin, sensor(id));
		if (!created.ok) throw new Error(created.reason);
		secrets.set(id, created.secret);
	}
	dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-mosq-'));
	// Started as root, Mosquitto drops to its own user, which must read these files.
	await chmod(dir, 0o755);
	port = await freePort();
	const devices = await devicesForBroker(db);
	const appUsers = ['rukun-app-1', 'rukun-app-2'];
	await writeFile(path.join(dir, 'passwd'), mosquittoPasswords(devices, { users: appUsers, password: APP_PASSWORD }));
	await writeFile(path.join(dir, 'acl'), mosquittoAcl(devices, appUsers));
	await writeFile(
		path.join(dir, 'mosquitto.conf'),
		[`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${dir}/passwd`, `acl_file ${dir}/acl`, 'use_username_as_clientid true', 'persistence false', 'log_dest stderr', 'log_type all', ''].join('\n')
	);
	for (const f of ['passwd', 'acl', 'mosquitto.conf']) await chmod(path.join(dir, f), 0o644);
	mosquitto = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
	await new Promise<void>((resolve, reject) => {
		let out = '';
		// stderr: unbuffered, so the "listening" line arrives when it happens.
		mosquitto.stderr!.on('data', (d: Buffer) => {
			out += d.toString();
			if (/mosquitto version [\d.]+ running/.test(out)) resolve();
		});
		mosquitto.once('exit', (code) => reject(new Error(`mosquitto exited ${code}: ${out}`)));
	});
	// Two app instances share the load through $share/rukun/… subscriptions.
	for (let i = 0; i < 2; i++) {
		const ingest = new Ingest(db);
		const link = await connectExternalBroker({ url: `mqtt://127.0.0.1:${port}`, username: `rukun-app-${i + 1}`, password: APP_PASSWORD, ingest });
		instances.push({ ingest, link });
	}
});

afterAll(async () => {
	for (const c of clients) c.end(true);
	for (const i of instances) await i.link.close();
	instances = [];
	mosquitto?.kill('SIGTERM');
	await db?.close();
	if (dir) await rm(dir, { recursive: true, force: true });
});

function connect(id: string, password: string) {
	return new Promise<{ client: mqtt.MqttClient; error?: Error }>((resolve) => {
		const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: id, username: id, password, reconnectPeriod: 0 });
		clients.push(client);
		client.once('connect', () => resolve({ client }));
		client.once('error', (error) => resolve({ client, error }));
	});
}

/** Waits for a condition on the database, failing after the deadline (no fixed sleeps). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

const seqs = (id: string) => db.query<{ seq: number }>('select seq::int from reading where device_id = $1 order by seq', [id]).then((r) => r.map((x) => x.seq));

describe('external broker mode on a real Mosquitto', () => {
	it('refuses a wrong device password (generated password file)', async () => {
		const { error } = await connect('m-wl-01', 'wrong');
		expect(error?.message).toMatch(/Not authorized|Bad username or password/);
	});

	it('ingests a device’s readings through shared subscriptions split across instances', async () => {
		const { client, error } = await connect('m-wl-01', secrets.get('m-wl-01')!);
		expect(error).toBeUndefined();
		for (let seq = 1; seq <= 40; seq++) {
			await client.publishAsync(`rw/${rw.code}/sensor/m-wl-01/level`, JSON.stringify({ distance_cm: 100, seq }), { qos: 1 });
		}
		expect(await until(() => seqs('m-wl-01'), (s) => s.length === 40)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
		const perInstance = instances.map((i) => i.ingest.metrics.accepted);
		expect(perInstance.reduce((a, b) => a + b, 0)).toBe(40);
		expect(perInstance.every((n) => n > 0), `split ${perInstance.join('/')}`).toBe(true);
	});

	it('lets Mosquitto’s generated ACL stop a device writing another device’s topic', async () => {
		const { client } = await connect('m-wl-02', secrets.get('m-wl-02')!);
		await client.publishAsync(`rw/${rw.code}/sensor/m-wl-01/level`, JSON.stringify({ distance_cm: 1, seq: 999 }), { qos: 1 });
		await client.publishAsync(`rw/${rw.code}/sensor/m-wl-02/level`, JSON.stringify({ distance_cm: 1, seq: 1 }), { qos: 1 });
		await until(() => seqs('m-wl-02'), (s) => s.length === 1);
		expect(await seqs('m-wl-01')).not.toContain(999);
	});
});
