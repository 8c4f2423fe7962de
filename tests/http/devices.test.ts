import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';

/**
 * Devices against the built app: the RW admin's form actions and the embedded broker
 * they steer (secret rotation drops the live connection and only the new secret works).
 */

let app: RunningApp;
let admin: Browserless;
const clients: mqtt.MqttClient[] = [];
const ACTION = { 'x-sveltekit-action': 'true', accept: 'application/json' };

beforeAll(async () => {
	app = await startApp();
	admin = new Browserless(app.url);
	await admin.login('081200000003', 'rukun-demo');
});
afterAll(async () => {
	for (const c of clients) c.end(true);
	expect(await app?.stop()).toBe(0);
});

/** The one-time secret an action answered (SvelteKit's action JSON; the secret is 32 random bytes, base64url). */
async function secretFrom(response: Response): Promise<string> {
	const body = (await response.json()) as { type: string; data: string };
	expect(body.type).toBe('success');
	const secret = /"([A-Za-z0-9_-]{43})"/.exec(body.data)?.[1];
	if (!secret) throw new Error(`no secret in ${body.data}`);
	return secret;
}

function connect(id: string, password: string) {
	return new Promise<{ client: mqtt.MqttClient; error?: Error }>((resolve) => {
		const client = mqtt.connect(`mqtt://127.0.0.1:${app.mqttPort}`, { clientId: id, username: id, password, reconnectPeriod: 0 });
		clients.push(client);
		client.once('connect', () => resolve({ client }));
		client.once('error', (error) => resolve({ client, error }));
	});
}

describe('device secrets', () => {
	it('rotates a secret: the live connection is dropped, the old secret refused, the new one works', async () => {
		const id = 'rot-pb-01';
		const first = await secretFrom(await admin.post('/rw/devices?/create', { id, kind: 'panic', name: 'Tombol pos 1' }, ACTION));
		const { client, error } = await connect(id, first);
		expect(error).toBeUndefined();
		await client.publishAsync(`rw/RW012/panic/${id}`, JSON.stringify({ seq: 1 }), { qos: 1 });

		const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
		const second = await secretFrom(await admin.post('/rw/devices?/rotate', { id }, ACTION));
		expect(second).not.toBe(first);
		await closed;
		expect((await connect(id, first)).error?.message).toMatch(/Bad username or password/);
		const again = await connect(id, second);
		expect(again.error).toBeUndefined();
		await again.client.publishAsync(`rw/RW012/panic/${id}`, JSON.stringify({ seq: 2 }), { qos: 1 });
		// Rotating another RW's or an unknown device answers "not found".
		expect(await (await admin.post('/rw/devices?/rotate', { id: 'no-such-device' }, ACTION)).json()).toMatchObject({ type: 'failure', status: 404 });
	});
});
