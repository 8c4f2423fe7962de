import { createConnection } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// aedes reads a connection's next packets only when the ones read before are handled,
// and a QoS 1 reading is handled once stored. With read-ahead (mqtt/read-ahead.ts) the
// next reading of the same device is received while the one before is still being
// stored, and the acknowledgements still wait for the store and keep their order.
// PGlite only: an open transaction there holds the one session, so nothing is stored
// until it ends.
let db: Database;
let rw: TestRw;
let side: TestBroker;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	const admin = await makeMember(db, rw, 'rw_admin');
	side = await startTestBroker(db);
	await side.register(admin, newDevice('ra-wl-01'));
});
afterAll(async () => {
	await side?.close();
	await db?.close();
});

const level = (seq: number) => JSON.stringify({ distance_cm: 180, seq, ts: new Date().toISOString(), bat: 3.9 });

/** A device on a raw socket: packets written exactly as given (two in one write make one chunk for the broker). */
async function rawDevice(id: string) {
	const socket = createConnection({ host: '127.0.0.1', port: side.broker.tcpPort });
	socket.setNoDelay(true);
	const parser = mqttPacket.parser({ protocolVersion: 4 });
	const acks: number[] = [];
	let connected!: () => void;
	const connack = new Promise<void>((resolve) => (connected = resolve));
	parser.on('packet', (p: mqttPacket.Packet) => {
		if (p.cmd === 'connack') connected();
		if (p.cmd === 'puback') acks.push(p.messageId!);
	});
	socket.on('data', (chunk) => parser.parse(chunk));
	socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: id, clean: true, keepalive: 0, username: id, password: Buffer.from(side.secrets.get(id)!) }));
	await connack;
	const publish = (messageId: number, seq: number) =>
		mqttPacket.generate({ cmd: 'publish', topic: `rw/${rw.code}/sensor/${id}/level`, payload: Buffer.from(level(seq)), qos: 1, messageId, retain: false, dup: false });
	return { socket, acks, publish };
}

describe.runIf(!process.env.DATABASE_URL)('the embedded broker reads on while a device’s readings are stored', () => {
	it('receives a connection’s next reading while the ones before are being stored, and acknowledges each only once stored, in order', async () => {
		const device = await rawDevice('ra-wl-01');
		const { ingest } = side;
		let releaseSession!: () => void;
		let holding!: () => void;
		const held = new Promise<void>((resolve) => (holding = resolve));
		// The session is held: no reading can be stored meanwhile.
		const tx = db.transaction(async (t) => {
			await t.query('select 1');
			holding();
			await new Promise<void>((resolve) => (releaseSession = resolve));
		});
		await held;
		const before = ingest.metrics.messagesIn;
		// Two readings in one write (one chunk for the broker), then a third on its own.
		device.socket.write(Buffer.concat([device.publish(1, 1), device.publish(2, 2)]));
		await vi.waitFor(() => expect(ingest.metrics.messagesIn).toBe(before + 2), { timeout: 5000, interval: 10 });
		device.socket.write(device.publish(3, 3));
		await vi.waitFor(() => expect(ingest.metrics.messagesIn).toBe(before + 3), { timeout: 5000, interval: 10 });
		expect(device.acks).toEqual([]);
		releaseSession();
		await tx;
		await vi.waitFor(() => expect(device.acks).toHaveLength(3), { timeout: 5000, interval: 10 });
		expect(device.acks).toEqual([1, 2, 3]);
		const rows = await db.query<{ seq: string | number }>(`select seq from reading where device_id = 'ra-wl-01' order by seq`);
		expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
		device.socket.destroy();
	});
});
