// MQTT load generator for bench/ingest.ts, run as a child process (fork) so that it
// has its own core and its CPU use can be measured on its own. Raw `net` sockets:
// CONNECT encoded once per connection; QoS 1 PUBLISH packets copied from one
// pre-encoded template per connection with the message id, seq, timestamp and one
// digit of distance_cm patched in place; PUBACKs parsed with mqtt-packet's parser;
// a fixed window of un-acked messages per connection.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import mqttPacket from 'mqtt-packet';
import type { ConnSpec, FromGenerator, GeneratorResult, InitMessage, ToGenerator } from './protocol';

const SEQ_DIGITS = 12;
const ISO_LENGTH = 24; // 2026-01-01T00:00:00.000Z

function send(message: FromGenerator): void {
	process.send?.(message);
}

/** One pre-encoded QoS 1 PUBLISH and where its variable parts sit. */
interface Template {
	bytes: Buffer;
	idOffset: number;
	tsOffset: number;
	seqOffset: number;
	tenthsOffset: number;
}

function buildTemplate(spec: ConnSpec, seqBase: number): Template {
	const distance = spec.distanceCm.toFixed(1);
	const seq = String(seqBase);
	if (seq.length !== SEQ_DIGITS) throw new Error(`seq base must have ${SEQ_DIGITS} digits`);
	const ts = new Date().toISOString();
	const payload = `{"distance_cm":${distance},"ts":"${ts}","bat":3.9,"seq":${seq}}`;
	const topic = Buffer.from(spec.topic, 'latin1');
	const body = Buffer.from(payload, 'latin1');
	const remaining = 2 + topic.length + 2 + body.length;
	const lengthBytes: number[] = [];
	let r = remaining;
	do {
		let byte = r % 128;
		r = Math.floor(r / 128);
		if (r > 0) byte |= 0x80;
		lengthBytes.push(byte);
	} while (r > 0);
	const bytes = Buffer.alloc(1 + lengthBytes.length + remaining);
	let o = 0;
	bytes[o++] = 0x32; // PUBLISH, QoS 1, no DUP, no RETAIN
	for (const b of lengthBytes) bytes[o++] = b;
	bytes.writeUInt16BE(topic.length, o);
	o += 2;
	topic.copy(bytes, o);
	o += topic.length;
	const idOffset = o;
	o += 2;
	const payloadOffset = o;
	body.copy(bytes, o);
	const tsOffset = payloadOffset + payload.indexOf(ts);
	const seqOffset = payloadOffset + payload.lastIndexOf(seq);
	const tenthsOffset = payloadOffset + payload.indexOf(distance) + distance.length - 1;
	// The encoding must round-trip: check it once with the real parser.
	const check = mqttPacket.parser({ protocolVersion: 4 });
	let parsed: mqttPacket.IPublishPacket | null = null;
	check.on('packet', (p: mqttPacket.Packet) => {
		if (p.cmd === 'publish') parsed = p;
	});
	bytes.writeUInt16BE(1, idOffset);
	check.parse(bytes);
	const p = parsed as mqttPacket.IPublishPacket | null;
	if (!p || p.topic !== spec.topic || p.qos !== 1 || p.messageId !== 1 || String(p.payload) !== payload) {
		throw new Error('PUBLISH template does not parse back');
	}
	return { bytes, idOffset, tsOffset, seqOffset, tenthsOffset };
}

interface Conn {
	spec: ConnSpec;
	socket: net.Socket;
	template: Template;
	/** Messages sent so far on this connection (seq = seqBase + sent). */
	sent: number;
	inflight: number;
	/** Send time (performance.now) by message id. */
	sentAt: Float64Array;
	/** The message's number on this connection (seq = seqBase + n) by message id. */
	nOf: Float64Array;
	/** Index in `conns`. */
	index: number;
	/** PUBACKs seen in the current data chunk (max mode: refill that many). */
	freed: number;
	connected: boolean;
	closed: boolean;
}

let init: InitMessage | null = null;
const conns: Conn[] = [];
let running = false;
let measuring = false;
let stopping = false;
let totalSent = 0;
let totalAcked = 0;
let ackedInWindow = 0;
let sentInWindow = 0;
let skippedSends = 0;
let connectionsLost = 0;
const errors: string[] = [];
let latencies = new Float64Array(1 << 16);
/** Beside each latency: its connection's index, message number and send time (the slowest readings' waterfall). */
let latencyConn = new Int32Array(1 << 16);
let latencyN = new Float64Array(1 << 16);
let latencySent = new Float64Array(1 << 16);
let latencyCount = 0;
let markAt = 0;
let stopAt = 0;
let markCpu: NodeJS.CpuUsage | null = null;
let windowCpuMs = 0;
let isoMs = 0;
let iso = '';
let rateTimer: NodeJS.Timeout | null = null;

function note(error: string): void {
	if (errors.length < 20) errors.push(error);
}

function grow<A extends Float64Array | Int32Array>(a: A): A {
	const grown = new (a.constructor as new (n: number) => A)(a.length * 2);
	grown.set(a);
	return grown;
}

function recordLatency(ms: number, conn: number, n: number, sentAt: number): void {
	if (latencyCount === latencies.length) {
		latencies = grow(latencies);
		latencyConn = grow(latencyConn);
		latencyN = grow(latencyN);
		latencySent = grow(latencySent);
	}
	latencyConn[latencyCount] = conn;
	latencyN[latencyCount] = n;
	latencySent[latencyCount] = sentAt;
	latencies[latencyCount++] = ms;
}

/**
 * The slowest 1 % of the window's readings: device, seq, and send and PUBACK times on
 * CLOCK_MONOTONIC in ms (`process.hrtime`, the same clock in every process), so the
 * benchmark can place them against its own stamps.
 */
function slowestReadings(): GeneratorResult['slowest'] {
	const count = Math.ceil(latencyCount / 100);
	const order = Array.from({ length: latencyCount }, (_, i) => i).sort((a, b) => latencies[b]! - latencies[a]!);
	const toMonotonic = Number(process.hrtime.bigint()) / 1e6 - performance.now();
	return order.slice(0, count).map((i) => {
		const conn = conns[latencyConn[i]!]!;
		const sent = latencySent[i]! + toMonotonic;
		return { device: conn.spec.clientId, seq: init!.seqBase + latencyN[i]!, sentMono: sent, ackedMono: sent + latencies[i]! };
	});
}

function currentIso(): string {
	const now = Date.now();
	if (now !== isoMs) {
		isoMs = now;
		iso = new Date(now).toISOString();
	}
	return iso;
}

/** Writes `count` PUBLISH packets on one connection with one socket write. */
function sendBurst(conn: Conn, count: number): void {
	if (count <= 0 || conn.closed) return;
	const { bytes, idOffset, tsOffset, seqOffset, tenthsOffset } = conn.template;
	const size = bytes.length;
	const out = Buffer.allocUnsafe(size * count);
	const ts = currentIso();
	const seqBase = init!.seqBase;
	const now = performance.now();
	for (let i = 0; i < count; i++) {
		const at = i * size;
		bytes.copy(out, at);
		const n = ++conn.sent;
		const id = ((n - 1) % 65535) + 1;
		out.writeUInt16BE(id, at + idOffset);
		out.write(ts, at + tsOffset, ISO_LENGTH, 'latin1');
		out.write(String(seqBase + n), at + seqOffset, SEQ_DIGITS, 'latin1');
		out[at + tenthsOffset] = 0x30 + (n % 10);
		conn.sentAt[id] = now;
		conn.nOf[id] = n;
	}
	conn.inflight += count;
	totalSent += count;
	if (measuring) sentInWindow += count;
	conn.socket.write(out);
}

function onPacket(conn: Conn, packet: mqttPacket.Packet, now: number): void {
	if (packet.cmd === 'puback') {
		const id = packet.messageId ?? 0;
		conn.inflight--;
		conn.freed++;
		totalAcked++;
		if (measuring) {
			ackedInWindow++;
			recordLatency(now - conn.sentAt[id]!, conn.index, conn.nOf[id]!, conn.sentAt[id]!);
		}
	} else if (packet.cmd === 'connack') {
		if (packet.returnCode === 0 || packet.reasonCode === 0) conn.connected = true;
		else {
			conn.connected = false;
			conn.closed = true;
			conn.socket.destroy();
		}
		connectWaiters.get(conn)?.(packet.returnCode ?? packet.reasonCode ?? -1);
	} else {
		note(`unexpected ${packet.cmd} on ${conn.spec.clientId}`);
	}
}

const connectWaiters = new Map<Conn, (code: number) => void>();

function open(spec: ConnSpec, message: InitMessage): Promise<{ conn: Conn; code: number }> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: message.host, port: message.port });
		socket.setNoDelay(true);
		const conn: Conn = {
			spec,
			socket,
			template: buildTemplate(spec, message.seqBase),
			sent: 0,
			inflight: 0,
			sentAt: new Float64Array(65536),
			nOf: new Float64Array(65536),
			index: -1,
			freed: 0,
			connected: false,
			closed: false
		};
		const timer = setTimeout(() => finish(-2), message.connectTimeoutMs);
		const finish = (code: number) => {
			clearTimeout(timer);
			connectWaiters.delete(conn);
			resolve({ conn, code });
		};
		connectWaiters.set(conn, finish);
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		parser.on('packet', (packet: mqttPacket.Packet) => onPacket(conn, packet, performance.now()));
		parser.on('error', (err: Error) => {
			note(`parse error on ${spec.clientId}: ${err.message}`);
			socket.destroy();
		});
		socket.on('data', (chunk: Buffer) => {
			conn.freed = 0;
			parser.parse(chunk);
			if (running && !stopping && init!.mode.kind === 'max') sendBurst(conn, conn.freed);
			if (stopping) checkDrained();
		});
		socket.on('error', (err) => note(`${spec.clientId}: ${err.message}`));
		socket.on('close', () => {
			if (!conn.closed && conn.connected && !stopping) {
				connectionsLost++;
				note(`${spec.clientId}: connection closed by the broker`);
			}
			conn.closed = true;
			finish(-1);
			if (stopping) checkDrained();
		});
		socket.write(
			mqttPacket.generate({
				cmd: 'connect',
				protocolId: 'MQTT',
				protocolVersion: 4,
				clientId: spec.clientId,
				clean: true,
				keepalive: 0,
				...(spec.username !== undefined ? { username: spec.username, password: Buffer.from(spec.password ?? '', 'utf8') } : {})
			})
		);
	});
}

/** Rate mode: every millisecond, send what is due, round-robin over the connections. */
function startRate(rate: number): void {
	const window = init!.window;
	const t0 = performance.now();
	let scheduled = 0;
	let next = 0;
	const perConn = new Int32Array(conns.length);
	rateTimer = setInterval(() => {
		if (!running || stopping) return;
		const due = Math.floor(((performance.now() - t0) * rate) / 1000);
		let deficit = due - scheduled;
		if (deficit <= 0) return;
		perConn.fill(0);
		let misses = 0;
		while (deficit > 0 && misses < conns.length) {
			const i = next;
			next = (next + 1) % conns.length;
			const conn = conns[i]!;
			if (conn.closed || conn.inflight + perConn[i]! >= window) {
				misses++;
				continue;
			}
			misses = 0;
			perConn[i]!++;
			deficit--;
			scheduled++;
		}
		if (deficit > 0) {
			// Every window is full: the broker is behind; these are skipped (and counted).
			skippedSends += deficit;
			scheduled += deficit;
		}
		for (let i = 0; i < conns.length; i++) if (perConn[i]! > 0) sendBurst(conns[i]!, perConn[i]!);
	}, 1);
}

let drainResolve: (() => void) | null = null;
function checkDrained(): void {
	if (!drainResolve) return;
	if (conns.every((c) => c.closed || c.inflight === 0)) {
		const done = drainResolve;
		drainResolve = null;
		done();
	}
}

async function stop(): Promise<GeneratorResult> {
	stopAt = performance.now();
	windowCpuMs = markCpu ? cpuMs(process.cpuUsage(markCpu)) : 0;
	measuring = false;
	stopping = true;
	if (rateTimer) clearInterval(rateTimer);
	await new Promise<void>((resolve) => {
		const timer = setTimeout(() => {
			drainResolve = null;
			resolve();
		}, init!.drainTimeoutMs);
		drainResolve = () => {
			clearTimeout(timer);
			resolve();
		};
		checkDrained();
	});
	const unacked = conns.reduce((n, c) => n + c.inflight, 0);
	const disconnect = mqttPacket.generate({ cmd: 'disconnect' });
	await Promise.all(
		conns.map(
			(c) =>
				new Promise<void>((resolve) => {
					if (c.closed) return resolve();
					c.socket.once('close', () => resolve());
					c.socket.end(disconnect);
					setTimeout(() => {
						c.socket.destroy();
						resolve();
					}, 2000).unref();
				})
		)
	);
	return {
		ackedInWindow,
		sentInWindow,
		windowMs: stopAt - markAt,
		cpuMs: windowCpuMs,
		totalSent,
		totalAcked,
		unacked,
		skippedSends,
		latencies: latencies.slice(0, latencyCount),
		slowest: slowestReadings(),
		connectionsLost,
		errors
	};
}

function cpuMs(usage: NodeJS.CpuUsage): number {
	return (usage.user + usage.system) / 1000;
}

async function handle(message: ToGenerator): Promise<void> {
	switch (message.type) {
		case 'init': {
			init = message;
			setTimeout(() => {
				send({ type: 'fatal', error: `generator lifetime of ${message.lifetimeMs} ms exceeded` });
				process.exit(3);
			}, message.lifetimeMs).unref();
			// Connect in slices so that a broker's accept backlog is not flooded.
			const refused: { clientId: string; returnCode: number }[] = [];
			const slice = 50;
			for (let i = 0; i < message.conns.length; i += slice) {
				const opened = await Promise.all(message.conns.slice(i, i + slice).map((spec) => open(spec, message)));
				for (const { conn, code } of opened) {
					if (code === 0) conn.index = conns.push(conn) - 1;
					else {
						refused.push({ clientId: conn.spec.clientId, returnCode: code });
						conn.socket.destroy();
					}
				}
			}
			send({ type: 'ready', connected: conns.length, refused, errors: [...errors] });
			return;
		}
		case 'start':
			running = true;
			if (init!.mode.kind === 'max') for (const conn of conns) sendBurst(conn, init!.window);
			else startRate(init!.mode.rate);
			return;
		case 'mark':
			markAt = performance.now();
			markCpu = process.cpuUsage();
			ackedInWindow = 0;
			sentInWindow = 0;
			latencyCount = 0;
			measuring = true;
			return;
		case 'stop':
			send({ type: 'result', result: await stop() });
			return;
	}
}

process.on('message', (message: ToGenerator) => {
	handle(message).catch((err: unknown) => {
		send({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
		process.exit(1);
	});
});
// The benchmark went away: so does the generator.
process.on('disconnect', () => process.exit(0));
