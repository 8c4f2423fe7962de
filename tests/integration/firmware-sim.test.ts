import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, panicSchema, pumpStateSchema, reasonOf, sensorLevelSchema } from '../../src/lib/server/ingest/schemas';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import type { SimDevice } from '../../firmware-sim/devices/device';
import { PanicButton } from '../../firmware-sim/devices/panic';
import { Pump } from '../../firmware-sim/devices/pump';
import { Sensor, type SensorOptions } from '../../firmware-sim/devices/sensor';
import { BAD_KINDS, type BadKind } from '../../firmware-sim/lib/bad';
import { OfflineBuffer } from '../../firmware-sim/lib/buffer';
import { SimClock } from '../../firmware-sim/lib/clock';
import { loadDeviceFile, selectDevices, type SensorSpec } from '../../firmware-sim/lib/credentials';
import { createRng } from '../../firmware-sim/lib/rng';
import { loadScenario, levelAt, type Scenario } from '../../firmware-sim/lib/scenario';
import { SensorModel } from '../../firmware-sim/lib/sensor-model';
import { topics } from '../../firmware-sim/lib/topics';
import { parseCli } from '../../firmware-sim/options';

const RW = 'RW012';
/** 60 s report interval at ×1200: one reading every 50 ms. */
const SPEED = 1200;
/** Waits are for events; this only turns a hang into a failure with a message. */
const GIVE_UP_MS = 10_000;
const sensorSpec = (id: string, t: Partial<SensorSpec> = {}): SensorSpec => ({
	id,
	kind: 'sensor',
	secret: null,
	reportIntervalS: 60,
	mountingHeightCm: 300,
	maxRangeCm: 400,
	siaga3Cm: 150,
	siaga2Cm: 200,
	siaga1Cm: 250,
	...t
});

let rain: Scenario;
let calm: Scenario;
beforeAll(async () => {
	rain = await loadScenario('rain');
	calm = await loadScenario('calm');
});

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<BrokerHandle> {
	const b = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true });
	cleanups.push(() => b.close());
	return b;
}

function ctx(port: number, seed = 7) {
	return { url: `mqtt://127.0.0.1:${port}`, rw: RW, clock: new SimClock(SPEED), seed, reconnectMs: 20 };
}

function started<T extends SimDevice>(device: T): T {
	device.start();
	cleanups.push(() => device.kill());
	return device;
}

interface Arrival {
	client: string | null;
	topic: string;
	payload: string;
	retain: boolean;
}

/**
 * Every PUBLISH the broker receives (wills included), in arrival order, taken
 * where aedes asks authorizePublish: before any rule may rewrite or reject it.
 */
function record(b: BrokerHandle) {
	const list: Arrival[] = [];
	const waiters = new Set<() => void>();
	const original = b.aedes.authorizePublish;
	b.aedes.authorizePublish = (client, packet, done) => {
		list.push({ client: client?.id ?? null, topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8'), retain: packet.retain });
		for (const check of [...waiters]) check();
		original.call(b.aedes, client, packet, done);
	};
	return {
		list,
		on: (topic: string) => list.filter((a) => a.topic === topic),
		/** Resolves once the predicate holds (checked on every arrival); fails with what arrived after 10 s. */
		until(predicate: (list: Arrival[]) => boolean): Promise<void> {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`condition not met; arrived: ${list.map((a) => `${a.topic} ${a.payload.slice(0, 60)}`).join('\n')}`));
				}, GIVE_UP_MS);
				const check = () => {
					if (!predicate(list)) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve();
				};
				waiters.add(check);
				check();
			});
		}
	};
}

/** Resolves when `event` fires and the predicate holds. */
function when(device: SimDevice, event: 'up' | 'down' | 'queued' | 'delivered', predicate: () => boolean = () => true): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			device.off(event, check);
			reject(new Error(`${device.id}: no '${event}' meeting the condition`));
		}, GIVE_UP_MS);
		const check = () => {
			if (!predicate()) return;
			clearTimeout(timer);
			device.off(event, check);
			resolve();
		};
		device.on(event, check);
	});
}

async function client(port: number): Promise<mqtt.MqttClient> {
	const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, clientId: `probe-${Math.random().toString(36).slice(2)}` });
	cleanups.push(() => c.endAsync(true));
	return c;
}

/** A TCP hop between device and broker that can cut every connection and refuse new ones. */
async function proxy(target: number) {
	const sockets = new Set<net.Socket>();
	let blocked = false;
	const server = net.createServer((inbound) => {
		if (blocked) return void inbound.destroy();
		const outbound = net.connect(target, '127.0.0.1');
		for (const [a, b] of [[inbound, outbound], [outbound, inbound]] as const) {
			sockets.add(a);
			a.pipe(b);
			a.on('error', () => b.destroy());
			a.on('close', () => (sockets.delete(a), b.destroy()));
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const handle = {
		port: (server.address() as net.AddressInfo).port,
		cut() {
			blocked = true;
			for (const s of sockets) s.destroy();
		},
		restore() {
			blocked = false;
		}
	};
	cleanups.push(() => (handle.cut(), new Promise((resolve) => server.close(resolve))));
	return handle;
}

const seqsOf = (arrivals: Arrival[]) => arrivals.map((a) => (JSON.parse(a.payload) as { seq: number }).seq);
const firstOccurrences = (seqs: number[]) => [...new Set(seqs)];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('firmware-sim sensor on a real broker', () => {
	it('publishes valid readings with increasing seq, and the broker retains its LWT when the socket dies', async () => {
		const b = await broker();
		const rec = record(b);
		const logins: { clientId: string; username?: string; password?: string; clean: boolean; version: number }[] = [];
		const authenticate = b.aedes.authenticate;
		b.aedes.authenticate = (c, username, password, done) => {
			logins.push({ clientId: c.id, username, password: password?.toString(), clean: c.clean, version: c.version });
			authenticate.call(b.aedes, c, username, password, done);
		};
		const spec = { ...sensorSpec('test-wl-01'), secret: 'secret-of-wl-01' };
		const sensor = started(new Sensor(spec, { ...ctx(b.tcpPort), boot: 1764500000 }, { scenario: rain, startOffsetS: 0 }));
		const level = topics.level(RW, sensor.id);
		const status = topics.status(RW, sensor.id);
		await rec.until(() => rec.on(level).length >= 5);

		// README, "Devices and MQTT": clientId = username = device id, password = secret; MQTT 3.1.1, persistent session.
		expect(logins).toEqual([{ clientId: 'test-wl-01', username: 'test-wl-01', password: 'secret-of-wl-01', clean: false, version: 4 }]);

		expect(rec.on(status)[0]).toMatchObject({ client: sensor.id, payload: 'online', retain: true });
		const readings = rec.on(level).map((a) => JSON.parse(a.payload) as Record<string, unknown>);
		for (const r of readings) {
			expect(Object.keys(r)).toEqual(['distance_cm', 'ts', 'bat', 'seq', 'boot']);
			expect(r.boot).toBe(1764500000);
			expect(r.distance_cm).toBeGreaterThanOrEqual(20);
			expect(r.distance_cm).toBeLessThanOrEqual(400);
			expect(r.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
			expect(Math.abs(Date.parse(r.ts as string) - Date.now())).toBeLessThan(60_000);
			expect(r.bat).toBeGreaterThan(3);
			expect(r.bat).toBeLessThanOrEqual(4.1);
			expect(String(r.bat)).toMatch(/^\d\.\d{1,2}$/);
			expect(sensorLevelSchema.safeParse(r).success).toBe(true); // the server's own schema
		}
		expect(readings.slice(0, 5).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);

		const will = rec.until(() => rec.on(status).some((a) => a.payload === 'offline'));
		await sensor.kill(); // socket destroyed, no DISCONNECT
		await will;
		const probe = await client(b.tcpPort);
		const retained = new Promise<{ payload: string; retain: boolean }>((resolve) =>
			probe.on('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain }))
		);
		await probe.subscribeAsync(status, { qos: 1 });
		expect(await retained).toEqual({ payload: 'offline', retain: true });
	});

	it('buffers while the connection is gone and replays every seq in order after it returns', async () => {
		const b = await broker();
		const rec = record(b);
		const hop = await proxy(b.tcpPort);
		const sensor = started(new Sensor(sensorSpec('test-wl-02'), ctx(hop.port), { scenario: rain, startOffsetS: 0 }));
		const level = topics.level(RW, sensor.id);
		await rec.until(() => rec.on(level).length >= 3);

		const down = when(sensor, 'down');
		hop.cut();
		await down;
		await when(sensor, 'queued', () => sensor.pending >= 6);
		expect(sensor.connected).toBe(false);
		const arrivedWhileDown = rec.on(level).length;
		const lastBeforeRestore = sensor.lastSeq;

		hop.restore();
		await rec.until(() => Math.max(...seqsOf(rec.on(level))) >= lastBeforeRestore + 3);
		await sensor.stop();

		const seqs = seqsOf(rec.on(level));
		expect(firstOccurrences(seqs)).toEqual(range(1, Math.max(...seqs)));
		// QoS 1 may repeat the message that was in flight when the link died, never reorder.
		expect(seqs.every((s, i) => i === 0 || s >= seqs[i - 1]!)).toBe(true);
		expect(seqs.length - firstOccurrences(seqs).length).toBeLessThanOrEqual(1);
		expect(rec.on(level).length - arrivedWhileDown).toBeGreaterThanOrEqual(6);
		expect(sensor.stats.buffered).toBeGreaterThanOrEqual(5);
		expect(sensor.stats.replayed).toBe(sensor.stats.buffered);
		expect(sensor.stats.disconnects).toBe(1);
		expect(sensor.pending).toBe(0);
	});

	it('keeps seq order through its own random drops (--drop-rate), each one firing the LWT', async () => {
		const b = await broker();
		const rec = record(b);
		const sensor = started(new Sensor(sensorSpec('test-wl-03'), ctx(b.tcpPort, 3), { scenario: calm, startOffsetS: 0, dropRate: 0.25 }));
		const level = topics.level(RW, sensor.id);
		await rec.until(() => sensor.stats.drops >= 3 && seqsOf(rec.on(level)).includes(30));
		await sensor.stop();

		const seqs = seqsOf(rec.on(level));
		expect(firstOccurrences(seqs)).toEqual(range(1, Math.max(...seqs)));
		expect(seqs.every((s, i) => i === 0 || s >= seqs[i - 1]!)).toBe(true);
		expect(sensor.stats.replayed).toBeGreaterThan(0);
		const lwts = rec.on(topics.status(RW, sensor.id)).filter((a) => a.payload === 'offline');
		expect(lwts.length).toBeGreaterThanOrEqual(sensor.stats.drops); // each drop's LWT, plus the clean stop's own `offline`
	});

	it('--bad sends every kind of bad message, and the real readings stay in order', async () => {
		const b = await broker();
		const rec = record(b);
		const options: SensorOptions = { scenario: calm, startOffsetS: 0, badRate: 1, peerId: 'test-wl-05' };
		const sensor = started(new Sensor(sensorSpec('test-wl-04'), ctx(b.tcpPort), options));
		const own = topics.level(RW, sensor.id);

		// Classified here, independently of the simulator's own labels.
		const classify = (a: Arrival): BadKind | 'valid' | 'other' => {
			if (a.topic.startsWith('$SYS/')) return 'reserved_topic';
			if (a.topic === topics.level('RW999', sensor.id)) return 'foreign_rw';
			if (a.topic === topics.level(RW, 'test-wl-05')) return 'foreign_device';
			if (a.topic !== own) return 'other';
			if (Buffer.byteLength(a.payload) > 1024) return 'oversized';
			let p: Record<string, unknown>;
			try {
				p = JSON.parse(a.payload) as Record<string, unknown>;
			} catch {
				return 'bad_json';
			}
			if (typeof p.distance_cm !== 'number' || typeof p.bat !== 'number' || typeof p.seq !== 'number' || typeof p.ts !== 'string') return 'bad_fields';
			if (p.distance_cm < 0 || p.bat > 6) return 'out_of_range';
			return 'valid';
		};
		const seen = () => new Set(rec.list.filter((a) => a.client === sensor.id).map(classify));
		await rec.until(() => BAD_KINDS.every((k) => seen().has(k)) && sensor.stats.readings >= BAD_KINDS.length);

		const arrived = rec.list.filter((a) => a.client === sensor.id).map(classify);
		for (const kind of BAD_KINDS) {
			const count = arrived.filter((k) => k === kind).length;
			expect(count, kind).toBeGreaterThanOrEqual(1);
			expect(sensor.stats.bad[kind], kind).toBeGreaterThanOrEqual(count);
		}
		// The server's ingest schemas give each payload fault the reason it is named after.
		for (const a of rec.on(own)) {
			const kind = classify(a);
			if (kind === 'oversized') expect(Buffer.byteLength(a.payload)).toBeGreaterThan(MAX_PAYLOAD_BYTES);
			if (kind === 'bad_json' || kind === 'oversized') continue;
			const parsed = sensorLevelSchema.safeParse(JSON.parse(a.payload));
			expect(parsed.success ? 'valid' : reasonOf(parsed.error)).toBe(kind);
		}
		const valid = rec.on(own).filter((a) => classify(a) === 'valid');
		const seqs = seqsOf(valid);
		expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
	});
});

describe('firmware-sim pump on a real broker', () => {
	it('obeys cmd, reports state, ignores malformed commands, and gets commands sent while it was offline', async () => {
		const b = await broker();
		const rec = record(b);
		const hop = await proxy(b.tcpPort);
		const subscribed = new Promise<void>((resolve) =>
			b.aedes.on('subscribe', (subs) => {
				if (subs.some((s) => s.topic.endsWith('/cmd'))) resolve();
			})
		);
		const pump = started(new Pump({ id: 'test-pump-01', kind: 'pump', secret: null }, ctx(hop.port)));
		const state = topics.pumpState(RW, pump.id);
		const cmd = topics.pumpCmd(RW, pump.id);
		const states = () => rec.on(state).map((a) => pumpStateSchema.parse(JSON.parse(a.payload)));
		await subscribed;
		await rec.until(() => states().length >= 1);
		expect(states()[0]).toMatchObject({ on: false, seq: 1 });

		const officer = await client(b.tcpPort);
		await officer.publishAsync(cmd, 'not json', { qos: 1 });
		await officer.publishAsync(cmd, JSON.stringify({ on: 'yes', by: 'x' }), { qos: 1 });
		await officer.publishAsync(cmd, JSON.stringify({ on: true, by: 'officer-1' }), { qos: 1 });
		await rec.until(() => states().some((s) => s.on));
		expect(pump.isOn).toBe(true);
		expect(pump.lastBy).toBe('officer-1');
		expect(pump.stats.badCommands).toBe(2);

		const down = when(pump, 'down');
		hop.cut();
		await down;
		await officer.publishAsync(cmd, JSON.stringify({ on: false, by: 'officer-2' }), { qos: 1 });
		expect(pump.isOn).toBe(true);
		hop.restore();
		await rec.until(() => states().at(-1)?.on === false && pump.lastBy === 'officer-2');
		expect(pump.stats.commands).toBe(2);
		const seqs = states().map((s) => s.seq);
		expect(firstOccurrences(seqs)).toEqual(range(1, Math.max(...seqs)));
	});
});

describe('firmware-sim panic button on a real broker', () => {
	it('a press resolves on PUBACK with a payload the server accepts, seq counting up', async () => {
		const b = await broker();
		const rec = record(b);
		const button = started(new PanicButton({ id: 'test-pb-01', kind: 'panic', secret: null }, ctx(b.tcpPort), { ratePerHour: 0 }));
		await button.press(); // queued before the connection is up, delivered after
		await button.press();
		const presses = rec.on(topics.panic(RW, button.id)).map((a) => panicSchema.parse(JSON.parse(a.payload)));
		expect(presses.map((p) => p.seq)).toEqual([1, 2]);
		expect(button.stats).toMatchObject({ presses: 2, acked: 2, buffered: 1, replayed: 1 });
	});
});

describe('firmware-sim building blocks', () => {
	it('OfflineBuffer keeps the newest items in order and counts what it dropped', () => {
		const buffer = new OfflineBuffer<number>(3);
		for (let i = 1; i <= 5; i++) buffer.push(i);
		expect(buffer.size).toBe(3);
		expect(buffer.dropped).toBe(2);
		expect([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()]).toEqual([3, 4, 5, undefined]);
		expect(() => new OfflineBuffer(0)).toThrow(RangeError);
	});

	it('rain crosses Siaga 3, 2 and 1 of any sensor and recedes', () => {
		for (const t of [{ siaga3Cm: 150, siaga2Cm: 200, siaga1Cm: 250 }, { siaga3Cm: 40, siaga2Cm: 55, siaga1Cm: 90 }]) {
			const levels = range(0, rain.duration_min).map((m) => levelAt(rain, m, t));
			const peak = Math.max(...levels);
			expect(levels[0]).toBeLessThan(t.siaga3Cm);
			expect(peak).toBeGreaterThan(t.siaga1Cm);
			expect(levels.at(-1)).toBeLessThan(t.siaga3Cm);
			expect(levels.indexOf(peak)).toBeGreaterThan(0);
		}
	});

	it('the same seed gives the same readings; another seed does not', () => {
		const run = (seed: number) => {
			const model = new SensorModel(sensorSpec('test-wl-09'), rain, createRng(seed, 'test-wl-09'));
			return range(0, 200).map((m) => model.sample(m));
		};
		expect(run(7)).toEqual(run(7));
		expect(run(7)).not.toEqual(run(8));
		const distances = run(7).flatMap((s) => (s.kind === 'reading' ? [s.distanceCm] : []));
		expect(Math.min(...distances)).toBeLessThan(300 - 250); // above Siaga 1 at the peak
	});

	it('takes the first N devices of a kind from the credentials file and says when there are too few', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-'));
		cleanups.push(() => rm(dir, { recursive: true, force: true }));
		const file = path.join(dir, 'devices.json');
		const sensor = { kind: 'sensor', secret: 's', report_interval_s: 60, mounting_height_cm: 300, siaga3_cm: 150, siaga2_cm: 200, siaga1_cm: 250 };
		await writeFile(
			file,
			JSON.stringify({
				rw: RW,
				url: 'mqtt://localhost:1883',
				devices: [{ id: 'rw012-wl-01', ...sensor }, { id: 'rw012-wl-02', ...sensor }, { id: 'rw012-pb-01', kind: 'panic', secret: 'p' }]
			})
		);
		const fleet = selectDevices(await loadDeviceFile(file), { sensors: 1, panic: 1 });
		expect(fleet.sensors.map((s) => [s.id, s.secret, s.maxRangeCm])).toEqual([['rw012-wl-01', 's', 400]]);
		expect(fleet.panic.map((d) => d.id)).toEqual(['rw012-pb-01']);
		expect(() => selectDevices(fleet, { pumps: 1 })).toThrow('asked for 1 pumps but the devices file has only 0');
		expect(() => parseCli(['--speed', '0'])).toThrow(/--speed/);
		expect(parseCli(['--duration', '1.5h']).durationMin).toBe(90);
		expect(parseCli(['--boot', '7']).boot).toBe(7);
		// Each start of the simulator is a new boot unless told otherwise.
		expect(parseCli([]).boot).toBeGreaterThan(1_700_000_000);
		expect(() => parseCli(['--boot', '-1'])).toThrow(/--boot/);
	});
});
