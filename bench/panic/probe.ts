// The panic-latency probe of bench/panic.ts, run as a child process (fork) so its
// clients do not share the app's event loop: a security post's dashboard (MQTT over
// WebSocket at /mqtt with a minted dashboard token) subscribed to the RW's panic
// alerts; panic buttons (real `mqtt` clients over TCP, QoS 1), each pressed once; and
// phones pressing over HTTP (one resident each, under the per-resident limit). The
// latency is from sending a press to the dashboard receiving its 'triggered' incident:
// a button's matched by its device id, a phone's by the incident id its answer names
// (the message may come before the answer: both times are kept, compared at the end).
import mqtt from 'mqtt';
import { performance } from 'node:perf_hooks';

export type ToProbe =
	| { type: 'init'; mqttUrl: string; wsUrl: string; httpUrl: string; rwCode: string; token: string; buttons: { id: string; secret: string }[]; phones: string[] }
	| { type: 'run'; perSecond: number };

export type FromProbe =
	| { type: 'ready' }
	| { type: 'result'; device: number[]; app: number[]; missing: number; errors: number }
	| { type: 'fatal'; error: string };

const send = (m: FromProbe) => process.send?.(m);
const buttons = new Map<string, mqtt.MqttClient>();
let init_: Extract<ToProbe, { type: 'init' }>;
let dashboard: mqtt.MqttClient | null = null;
/** When each incident / button's incident reached the dashboard. */
const seenById = new Map<string, number>();
const seenByDevice = new Map<string, number>();
let expected = 0;
let waiting: (() => void) | null = null;

function connect(url: string, options: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
	return new Promise((resolve, reject) => {
		const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 30_000, ...options });
		client.once('connect', () => resolve(client));
		client.once('error', reject);
	});
}

async function init(m: Extract<ToProbe, { type: 'init' }>) {
	init_ = m;
	dashboard = await connect(m.wsUrl, { clientId: 'bench-panic-dashboard', username: 'dashboard', password: m.token });
	dashboard.on('message', (_topic, payload) => {
		const at = performance.now();
		const message = JSON.parse(payload.toString()) as { kind: string; incident?: { id: string; state: string; deviceId: string | null; source: string } };
		if (message.kind !== 'panic' || message.incident!.state !== 'triggered') return;
		const i = message.incident!;
		if (i.source === 'device' && i.deviceId && !seenByDevice.has(i.deviceId)) seenByDevice.set(i.deviceId, at);
		if (i.source === 'app' && !seenById.has(i.id)) seenById.set(i.id, at);
		if (seenByDevice.size + seenById.size >= expected) waiting?.();
	});
	await dashboard.subscribeAsync(`rw/${m.rwCode}/alerts/panic/+`, { qos: 1 });
	for (const b of m.buttons) buttons.set(b.id, await connect(m.mqttUrl, { clientId: b.id, username: b.id, password: b.secret }));
}

async function run(m: Extract<ToProbe, { type: 'run' }>) {
	const fromButtons: (() => Promise<void>)[] = [];
	const fromPhones: (() => Promise<void>)[] = [];
	const sentByDevice = new Map<string, number>();
	const sentById = new Map<string, number>();
	let errors = 0;
	for (const [id, client] of buttons) {
		fromButtons.push(async () => {
			sentByDevice.set(id, performance.now());
			await client.publishAsync(`rw/${init_.rwCode}/panic/${id}`, JSON.stringify({ ts: new Date().toISOString(), seq: 1, boot: 1 }), { qos: 1 }).catch(() => void errors++);
		});
	}
	for (const [n, token] of init_.phones.entries()) {
		fromPhones.push(async () => {
			const sentAt = performance.now();
			const response = await fetch(`${init_.httpUrl}/panik`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bench-session': token }, body: JSON.stringify({ key: `bench-press-${n}-0000` }) }).catch(() => null);
			const answer = response?.ok ? ((await response.json()) as { id: string }) : null;
			if (answer) sentById.set(answer.id, sentAt);
			else errors++;
		});
	}
	// Buttons and phones interleaved, at perSecond.
	const order: (() => Promise<void>)[] = [];
	for (let i = 0; i < Math.max(fromButtons.length, fromPhones.length); i++) order.push(...[fromButtons[i], fromPhones[i]].filter((p) => p !== undefined));
	expected = order.length;
	const gapMs = 1000 / m.perSecond;
	const started = performance.now();
	const running: Promise<void>[] = [];
	for (const [i, press] of order.entries()) {
		const wait = started + i * gapMs - performance.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		running.push(press());
	}
	await Promise.all(running);
	expected = order.length - errors;
	if (seenByDevice.size + seenById.size < expected) {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, 15_000);
			waiting = () => (clearTimeout(timer), resolve());
		});
		waiting = null;
	}
	const device = [...sentByDevice].flatMap(([id, at]) => (seenByDevice.has(id) ? [seenByDevice.get(id)! - at] : []));
	const app = [...sentById].flatMap(([id, at]) => (seenById.has(id) ? [seenById.get(id)! - at] : []));
	send({ type: 'result', device, app, missing: sentByDevice.size + sentById.size - device.length - app.length, errors });
}

process.on('message', (m: ToProbe) => {
	const step = m.type === 'init' ? init(m).then(() => send({ type: 'ready' })) : run(m);
	step.catch((err: unknown) => send({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
process.on('disconnect', () => {
	dashboard?.end(true);
	for (const c of buttons.values()) c.end(true);
	process.exit(0);
});
setTimeout(() => process.exit(3), 600_000).unref();
