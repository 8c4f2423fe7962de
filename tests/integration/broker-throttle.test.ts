import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/lib/server/auth/rate-limit';
import { sha256 } from '../../src/lib/server/auth/tokens';
import type { Database } from '../../src/lib/server/db/types';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import type { BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { mintDashboardToken } from '../../src/lib/server/mqtt/dashboard-token';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw } from '../factories/tenancy';

// Real aedes on an ephemeral port, real mqtt clients: wrong secrets are throttled per
// device (from one address) and per address, as the HTTP login is.
let db: Database;
let mqttSide: TestBroker;
let broker: BrokerHandle;
let ingest: Ingest;
let tokenKey: Buffer;
let admin: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	const rw = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	mqttSide = await startTestBroker(db);
	({ broker, ingest, tokenKey } = mqttSide);
	await mqttSide.register(admin, ...['th-wl-01', 'th-wl-02', 'th-wl-03'].map((id) => newDevice(id)));
});
afterAll(async () => {
	await mqttSide?.close();
	await db?.close();
});

/**
 * Connects once from `from` (a loopback address of its own per test, so each test
 * stands alone against the per-address limit); resolves with the CONNACK's return
 * code (0: accepted).
 */
function connack(from: string, id: string, password: string, username = id): Promise<number> {
	return new Promise((resolve) => {
		const stream = () => createConnection({ host: '127.0.0.1', port: broker.tcpPort, localAddress: from });
		const client = new mqtt.MqttClient(stream, { clientId: id, username, password, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
		client.once('connect', () => {
			client.end(true);
			resolve(0);
		});
		client.once('error', (err) => {
			client.end(true);
			resolve((err as Error & { code?: number }).code ?? -1);
		});
	});
}

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
const refusedFor = (reason: string) => ingest.renderMetrics().match(new RegExp(`rukun_mqtt_connections_refused_total\\{reason="${reason}"\\} (\\d+)`))?.[1];

describe('MQTT credentials are throttled', () => {
	it('checks only the first wrong secrets of a device in a row, then refuses unchecked, even the right one', async () => {
		const codes: number[] = [];
		for (let i = 0; i < 30; i++) codes.push(await connack('127.0.0.11', 'th-wl-01', `salah-${i}`));
		expect(codes.filter((c) => c === BAD_CREDENTIALS)).toHaveLength(LIMITS.mqttPerDevice.max);
		expect(codes.slice(LIMITS.mqttPerDevice.max).every((c) => c === NOT_AUTHORIZED)).toBe(true);
		expect(Number(refusedFor('throttled'))).toBe(30 - LIMITS.mqttPerDevice.max);
		expect(await connack('127.0.0.11', 'th-wl-01', mqttSide.secrets.get('th-wl-01')!)).toBe(NOT_AUTHORIZED);
		// The device itself, at its own address, still gets in: nobody elsewhere can lock it out.
		expect(await connack('127.0.0.21', 'th-wl-01', mqttSide.secrets.get('th-wl-01')!)).toBe(0);
	});

	it('holds for parallel attempts too, and leaves the other devices alone', async () => {
		const codes = await Promise.all(Array.from({ length: 25 }, (_, i) => connack('127.0.0.12', 'th-wl-02', `salah-${i}`)));
		expect(codes.filter((c) => c === BAD_CREDENTIALS)).toHaveLength(LIMITS.mqttPerDevice.max);
		expect(await connack('127.0.0.12', 'th-wl-03', mqttSide.secrets.get('th-wl-03')!)).toBe(0);
	});

	it('lets every device of an RW reconnect at once from one address (a broker restart behind one gateway)', async () => {
		const n = LIMITS.mqttPerIp.max * 3;
		const ids = Array.from({ length: n }, (_, i) => `th-many-${String(i).padStart(3, '0')}`);
		const fleet = ids.map((id) => [id, randomBytes(24).toString('base64url')] as const);
		await db.query(
			`insert into device (id, rw_id, kind, name, mounting_height_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 select id, $1, 'sensor', id, 300, 150, 200, 250, hash from unnest($2::text[], $3::text[]) as d(id, hash)`,
			[admin.rwId, fleet.map(([id]) => id), fleet.map(([, secret]) => sha256(secret))]
		);
		const codes = await Promise.all(fleet.map(([id, secret]) => connack('127.0.0.15', id, secret)));
		expect(codes.filter((c) => c !== 0)).toEqual([]);
		// And again, as a second restart would: nothing was left counted against the address.
		const again = await Promise.all(fleet.map(([id, secret]) => connack('127.0.0.15', id, secret)));
		expect(again.filter((c) => c !== 0)).toEqual([]);
	});

	it('throttles one address that tries many devices', async () => {
		const left = LIMITS.mqttPerIp.max;
		const codes: number[] = [];
		for (let i = 0; i < left + 5; i++) codes.push(await connack('127.0.0.13', `th-x-${i}`, 'salah'));
		expect(codes.slice(0, left).every((c) => c === BAD_CREDENTIALS)).toBe(true);
		expect(codes.slice(left).every((c) => c === NOT_AUTHORIZED)).toBe(true);
		// The address is throttled: even a right dashboard token waits for the window.
		const token = mintDashboardToken(tokenKey, { userId: admin.id, rwCode: 'RW001', rwId: admin.rwId! });
		expect(await connack('127.0.0.13', 'dash-1', token, 'dashboard')).toBe(NOT_AUTHORIZED);
		expect(await connack('127.0.0.14', 'dash-1', token, 'dashboard')).toBe(0);
	});
});
