import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';

let broker: BrokerHandle | null = null;
let http: Server | null = null;
afterEach(async () => {
	await broker?.close();
	broker = null;
	if (http) await new Promise((r) => http!.close(r));
	http = null;
});

function connect(url: string, options: mqtt.IClientOptions = {}) {
	return new Promise<{ client: mqtt.MqttClient; error?: Error }>((resolve) => {
		const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
		client.once('connect', () => resolve({ client }));
		client.once('error', (error) => resolve({ client, error }));
	});
}

describe('embedded broker', () => {
	it('refuses connections without credentials and counts them', async () => {
		broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false });
		const { client, error } = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: 'nobody', password: 'x' });
		expect(error?.message).toMatch(/Bad username or password|Not authorized/i);
		client.end(true);
		expect(broker.stats().refusedConnections).toBe(1);
		expect(broker.isUp()).toBe(true);
	});

	it('accepts anonymous clients in development mode, over TCP and WebSocket at /mqtt', async () => {
		http = createServer();
		await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
		broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true, httpServer: http });
		const tcp = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`);
		expect(tcp.error).toBeUndefined();
		const ws = await connect(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`);
		expect(ws.error).toBeUndefined();
		const received = new Promise<string>((resolve) => ws.client.on('message', (_t, payload) => resolve(payload.toString())));
		await ws.client.subscribeAsync('rw/RW012/alerts/test', { qos: 1 });
		await tcp.client.publishAsync('rw/RW012/alerts/test', 'halo', { qos: 1 });
		expect(await received).toBe('halo');
		tcp.client.end(true);
		ws.client.end(true);
	});

	it('stops listening on close', async () => {
		broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true });
		const port = broker.tcpPort;
		await broker.close();
		expect(broker.isUp()).toBe(false);
		const { client, error } = await connect(`mqtt://127.0.0.1:${port}`);
		expect(error?.message).toMatch(/ECONNREFUSED/);
		client.end(true);
	});
});
