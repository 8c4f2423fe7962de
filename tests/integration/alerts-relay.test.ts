import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { mintDashboardToken } from '../../src/lib/server/mqtt/dashboard-token';
import { externalSide } from '../../src/lib/server/mqtt/external-side';
import type { MqttSide } from '../../src/lib/server/runtime';
import { freshDatabase } from '../factories/db';
import { APP_PASSWORD, startMosquitto, type TestMosquitto } from '../factories/mosquitto';

/**
 * An app instance on an external broker (MQTT_URL, a real Mosquitto with the generated
 * config) still serves /mqtt to browser dashboards: it relays the alerts it hears on the
 * broker (its own and another instance's) to the dashboards of that RW, with the same
 * token and ACL as the embedded broker, and drops them when the broker goes away. The
 * MQTT side is built as the runtime builds it with MQTT_URL (externalSide).
 */
let mosquitto: TestMosquitto;
let db: Database;
let ingest: Ingest;
let broker: MqttSide;
let http: Server;
let wsUrl = '';
const tokenKey = randomBytes(32);
const clients: mqtt.MqttClient[] = [];

beforeAll(async () => {
	mosquitto = await startMosquitto([], ['rukun-app-1', 'rukun-app-2']);
	db = await freshDatabase();
	ingest = new Ingest(db);
	http = createServer((_req, res) => res.end());
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	wsUrl = `ws://127.0.0.1:${(http.address() as { port: number }).port}/mqtt`;
	const config = {
		mqttUrl: `mqtt://127.0.0.1:${mosquitto.port}`,
		mqttUsername: 'rukun-app-1',
		mqttPassword: APP_PASSWORD,
		mqttClientId: 'rukun-app-1',
		mqttSessionExpirySeconds: 60,
		mqttReceiveMaximum: 100
	};
	broker = await externalSide({ config, db, ingest, tokenKey, httpServer: http, log: () => {} });
	// The instance connects to the broker in the background; dashboards are refused until it has.
	await vi.waitFor(() => expect(broker.isUp()).toBe(true), { timeout: 20_000, interval: 50 });
});

afterAll(async () => {
	for (const c of clients) c.end(true);
	await broker?.close();
	await new Promise((resolve) => http?.close(resolve));
	await mosquitto?.stop();
	await ingest?.close();
	await db?.close();
});

const token = (rwCode: string) => mintDashboardToken(tokenKey, { userId: `officer-${rwCode}`, rwCode, rwId: `id-${rwCode}` });

/** A browser's mqtt.js client on the app's /mqtt (MQTT over WebSocket). */
function browserClient(username: string, password: string) {
	return new Promise<{ client: mqtt.MqttClient; error?: Error & { code?: number } }>((resolve) => {
		const client = mqtt.connect(wsUrl, { username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
		clients.push(client);
		client.once('connect', () => resolve({ client }));
		client.once('error', (error) => resolve({ client, error }));
	});
}

it('relays the RW’s alerts from the external broker to a browser on /mqtt, never another RW’s', async () => {
	expect(broker.mode).toBe('external');
	expect(broker.wsPath).toBe('/mqtt');
	const { client, error } = await browserClient('dashboard', token('RW801'));
	expect(error).toBeUndefined();
	const got: { topic: string; body: string }[] = [];
	client.on('message', (topic, payload) => got.push({ topic, body: payload.toString() }));
	const [granted] = await client.subscribeAsync('rw/RW801/alerts/#', { qos: 1 });
	expect(granted!.qos).toBe(1);
	// Beyond its RW the ACL refuses (SUBACK failure), as on the embedded broker.
	await expect(client.subscribeAsync('rw/RW802/alerts/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);

	// Another instance (its own user on the broker) records an alarm and publishes it …
	const other = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { username: 'rukun-app-2', password: APP_PASSWORD, clientId: 'rukun-app-2', reconnectPeriod: 0 });
	clients.push(other);
	await other.publishAsync('rw/RW802/alerts/alarm/b-1', '{"kind":"alarm","rw":"B"}', { qos: 1 });
	await other.publishAsync('rw/RW801/alerts/alarm/a-1', '{"kind":"alarm","rw":"A"}', { qos: 1 });
	// … and this instance publishes one itself, through the broker too.
	await broker.publish('rw/RW801/alerts/level/a-wl', '{"kind":"level","rw":"A"}');
	await vi.waitFor(() => expect(got).toHaveLength(2), { timeout: 10_000, interval: 20 });
	expect(got.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
		{ topic: 'rw/RW801/alerts/alarm/a-1', body: '{"kind":"alarm","rw":"A"}' },
		{ topic: 'rw/RW801/alerts/level/a-wl', body: '{"kind":"level","rw":"A"}' }
	]);
	expect(broker.stats().connectedClients).toBe(1);
});

it('admits dashboards only: no device, no forged token, no publishing', async () => {
	const device = await browserClient('rw801-wl-01', 'a-device-secret');
	expect(device.error?.code).toBe(5);
	const forged = await browserClient('dashboard', `${token('RW801').split('.')[0]}.AAAA`);
	expect(forged.error?.code).toBe(4);

	const { client } = await browserClient('dashboard', token('RW801'));
	const got: string[] = [];
	client.on('message', (topic) => got.push(topic));
	await client.subscribeAsync('rw/RW801/alerts/#', { qos: 1 });
	// A dashboard's publish goes nowhere (not to the relay's dashboards, not upstream).
	await client.publishAsync('rw/RW801/alerts/alarm/fake', 'x', { qos: 1 });
	await broker.publish('rw/RW801/alerts/alarm/real', '{}');
	await vi.waitFor(() => expect(got).toContain('rw/RW801/alerts/alarm/real'), { timeout: 10_000, interval: 20 });
	expect(got).not.toContain('rw/RW801/alerts/alarm/fake');
});

it('drops its dashboards when the broker goes away and refuses them until it is back', async () => {
	const { client } = await browserClient('dashboard', token('RW801'));
	const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
	await mosquitto.stop();
	await closed;
	const again = await browserClient('dashboard', token('RW801'));
	expect(again.error?.code).toBe(5);
});
