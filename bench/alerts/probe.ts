// The alarm-latency probe of bench/alerts.ts, run as a child process (fork) so that its
// clients do not share the app's event loop: sensors that cross Siaga 3 (real `mqtt`
// clients over TCP, QoS 1) and a security post's dashboard (MQTT over WebSocket at
// /mqtt with a minted dashboard token) subscribed to the RW's alerts. A crossing is
// three readings above the threshold (the engine's median of five needs three); the
// latency is from sending the third (the deciding one) to the dashboard receiving its
// alarm, matched by the alarm's first-seen time (the deciding reading's own time).
// Each crossing sensor first reports two normal readings, outside the measured window.
import mqtt from 'mqtt';
import { performance } from 'node:perf_hooks';

export type ToProbe =
	| { type: 'init'; mqttUrl: string; wsUrl: string; rwCode: string; token: string; devices: { id: string; secret: string }[] }
	| { type: 'run'; ids: string[]; perSecond: number; levelCm: number };

export type FromProbe =
	| { type: 'ready' }
	| { type: 'result'; latencies: number[]; missing: number; publishErrors: number }
	| { type: 'fatal'; error: string };

const send = (m: FromProbe) => process.send?.(m);
const clients = new Map<string, mqtt.MqttClient>();
let dashboard: mqtt.MqttClient | null = null;
let rwCode = '';
/** Deciding readings not yet answered: send time by `${device} ${ts}`. */
const pending = new Map<string, number>();
const latencies: number[] = [];
let waiting: (() => void) | null = null;
let lastTs = 0;

function connect(url: string, options: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
	return new Promise((resolve, reject) => {
		const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 30_000, ...options });
		client.once('connect', () => resolve(client));
		client.once('error', reject);
	});
}

async function init(m: Extract<ToProbe, { type: 'init' }>) {
	rwCode = m.rwCode;
	dashboard = await connect(m.wsUrl, { clientId: 'bench-dashboard', username: 'dashboard', password: m.token });
	dashboard.on('message', (_topic, payload) => {
		const at = performance.now();
		const message = JSON.parse(payload.toString()) as { kind: string; alarm?: { deviceId: string; type: string; count: number; firstSeenAt: string } };
		if (message.kind !== 'alarm' || message.alarm!.type !== 'flood_level' || message.alarm!.count !== 1) return;
		const key = `${message.alarm!.deviceId} ${message.alarm!.firstSeenAt}`;
		const sentAt = pending.get(key);
		if (sentAt === undefined) return;
		pending.delete(key);
		latencies.push(at - sentAt);
		if (pending.size === 0) waiting?.();
	});
	await dashboard.subscribeAsync(`rw/${rwCode}/alerts/#`, { qos: 1 });
	for (let i = 0; i < m.devices.length; i += 50) {
		const batch = m.devices.slice(i, i + 50);
		const connected = await Promise.all(batch.map((d) => connect(m.mqttUrl, { clientId: d.id, username: d.id, password: d.secret })));
		batch.forEach((d, k) => clients.set(d.id, connected[k]!));
	}
	// Established sensors with a history: two normal readings each (so the third high
	// reading, not the second, is the one that decides).
	const ids = m.devices.map((d) => d.id);
	for (let i = 0; i < ids.length; i += 50) {
		await Promise.all(
			ids.slice(i, i + 50).map(async (id) => {
				for (let seq = 1; seq <= 2; seq++) {
					await clients.get(id)!.publishAsync(`rw/${rwCode}/sensor/${id}/level`, JSON.stringify({ level_cm: 50, ts: nextTs(), seq, bat: 3.9 }), { qos: 1 });
				}
			})
		);
	}
}

/** Strictly increasing reading times (ms): the engine takes a reading only when newer than the last. */
function nextTs(): string {
	lastTs = Math.max(Date.now(), lastTs + 1);
	return new Date(lastTs).toISOString();
}

let publishErrors = 0;

async function cross(id: string, levelCm: number): Promise<void> {
	const client = clients.get(id)!;
	const topic = `rw/${rwCode}/sensor/${id}/level`;
	for (let seq = 3; seq <= 5; seq++) {
		const ts = nextTs();
		const sentAt = performance.now();
		if (seq === 5) pending.set(`${id} ${ts}`, sentAt);
		try {
			await client.publishAsync(topic, JSON.stringify({ level_cm: levelCm, ts, seq, bat: 3.9 }), { qos: 1 });
		} catch {
			publishErrors++;
		}
	}
}

async function run(m: Extract<ToProbe, { type: 'run' }>) {
	latencies.length = 0;
	publishErrors = 0;
	const gapMs = 1000 / m.perSecond;
	const started = performance.now();
	const crossings: Promise<void>[] = [];
	for (const [i, id] of m.ids.entries()) {
		const due = started + i * gapMs;
		const wait = due - performance.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		crossings.push(cross(id, m.levelCm));
	}
	await Promise.all(crossings);
	// Alarms still on their way: wait for them, at most 15 s.
	if (pending.size > 0) {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, 15_000);
			waiting = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		waiting = null;
	}
	const missing = pending.size;
	pending.clear();
	send({ type: 'result', latencies: [...latencies], missing, publishErrors });
}

process.on('message', (m: ToProbe) => {
	const step = m.type === 'init' ? init(m).then(() => send({ type: 'ready' })) : run(m);
	step.catch((err: unknown) => send({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
process.on('disconnect', () => {
	dashboard?.end(true);
	for (const c of clients.values()) c.end(true);
	process.exit(0);
});
// Never outlive a benchmark that died.
setTimeout(() => process.exit(3), 600_000).unref();
