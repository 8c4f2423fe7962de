// `npm run bench:panic [-- --publishers 200 --rate 5000 --duration 10 --buttons 20 --phones 20 --per-second 4 --officers 3]`
//
// Panic latency (docs/panic.md, "Benchmark"). In this process: the app's runtime
// (startRuntime: embedded aedes with /mqtt on an HTTP server, the ingest, the alarm and
// panic services, PGlite in its worker thread) on a fresh data dir, and on the same HTTP
// server a minimal `POST /panik` that calls the panic service as the route does (the
// session read from the database; SvelteKit's own request handling is not in the
// figure). Separate processes:
//   - the raw-socket generator of bench:ingest drives a fleet of sensors at --rate
//     readings/s (levels below their thresholds: background, no alarm);
//   - a probe (bench/panic/probe.ts) presses --buttons panic buttons (MQTT, QoS 1) and
//     --phones residents' phones (HTTP), and as a security post's dashboard over
//     MQTT-over-WebSocket measures the time from the press to its incident on screen.
//   - a local push endpoint (bench/push/endpoint-child.ts: HTTPS, VAPID checked, payload
//     decrypted) holds one subscribed device per security officer (--officers): each
//     press's push request is timed from the incident's trigger time in the database to
//     its arrival there (push_latency_p99_ms). The 10,000-subscription fan-out
//     (push_fanout_10k_s) is bench:push's.
// Prints a table and writes bench/results/panic.json. Bounded: about half a minute.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pressSchema } from '../src/lib/schemas/panic';
import { createSession, readSession } from '../src/lib/server/auth/sessions';
import { sha256 } from '../src/lib/server/auth/tokens';
import { loadConfig } from '../src/lib/server/config';
import { mintDashboardToken } from '../src/lib/server/mqtt/dashboard-token';
import { startRuntime, type Runtime } from '../src/lib/server/runtime';
import { runPhase } from './ingest/runner';
import { formatTable, round } from './ingest/stats';
import { runtimeTarget } from './lib/runtime-target';
import type { FromProbe, ToProbe } from './panic/probe';
import type { FakeSubscription } from '../tests/factories/push-endpoint';
import { Probe } from './lib/probe';
import { writeResults } from './lib/report';
import { missingServerFlags, serverNodeFlags } from '../scripts/node-flags';
import { benchArgs } from './lib/args';

const RW_CODE = 'RW078';
const TARGET_P99_MS = 100;
const TARGET_PUSH_P99_MS = 1000;

const USAGE = `usage: npm run bench:panic -- [--publishers N] [--rate READINGS_PER_S] [--duration S] [--buttons N] [--phones N]
       [--per-second N] [--officers N]`;

function options() {
	const { int } = benchArgs(USAGE, {
		options: {
			publishers: { type: 'string', default: '200' },
			rate: { type: 'string', default: '5000' },
			duration: { type: 'string', default: '10' },
			buttons: { type: 'string', default: '20' },
			phones: { type: 'string', default: '20' },
			'per-second': { type: 'string', default: '4' },
			officers: { type: 'string', default: '3' }
		}
	});
	return {
		publishers: int('publishers', 1, 2000),
		rate: int('rate', 1, 50_000),
		durationS: int('duration', 2, 60),
		buttons: int('buttons', 0, 500),
		phones: int('phones', 0, 500),
		perSecond: int('per-second', 1, 100),
		officers: int('officers', 0, 100)
	};
}

function percentile(values: number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function devices(runtime: Runtime, rwId: string, prefix: string, kind: 'sensor' | 'panic', count: number) {
	const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`);
	const secrets = ids.map(() => randomBytes(18).toString('base64url'));
	await runtime.db.query(
		kind === 'sensor'
			? `insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			   select id, $1, 'sensor', 'Sensor ' || id, 60, 300, 400, 200, 250, 290, h from unnest($2::text[], $3::text[]) as t(id, h)`
			: `insert into device (id, rw_id, kind, name, lat, lng, secret_hash)
			   select id, $1, 'panic', 'Tombol ' || id, -6.155, 106.905, h from unnest($2::text[], $3::text[]) as t(id, h)`,
		[rwId, ids, secrets.map(sha256)]
	);
	return ids.map((id, i) => ({ id, secret: secrets[i]! }));
}

/** Residents with a house and a session each (one press per phone stays under the per-resident limit). */
async function phones(runtime: Runtime, rwId: string, count: number): Promise<string[]> {
	const [rt] = await runtime.db.query<{ id: string }>(`insert into rt (rw_id, number, name) values ($1, 1, 'RT 001') returning id`, [rwId]);
	const tokens: string[] = [];
	for (let i = 0; i < count; i++) {
		const [house] = await runtime.db.query<{ id: string }>(`insert into house (rw_id, rt_id, block, number, lat, lng) values ($1, $2, 'B', $3, -6.155, 106.905) returning id`, [rwId, rt!.id, String(i + 1)]);
		const [user] = await runtime.db.query<{ id: string }>(`insert into app_user (phone, name, password_hash) values ($1, $2, 'x') returning id`, [`+62819${String(i).padStart(7, '0')}`, `Warga ${i + 1}`]);
		await runtime.db.query(`insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, 'resident', $3, $4)`, [user!.id, rwId, rt!.id, house!.id]);
		tokens.push((await createSession(runtime.db, { userId: user!.id, rwId, days: 1 })).token);
	}
	return tokens;
}

interface PushArrival {
	at: number;
	status: number;
	url: string | null;
}

/** The local push endpoint in its own process (its TLS and decryption are not the app's work). */
class PushEndpointChild {
	private readonly child = fork(path.join(import.meta.dirname, 'push/endpoint-child.ts'), ['--decrypt'], { execArgv: ['--import', 'tsx'] });
	ready = once(this.child, 'message');

	async ask<T>(message: object): Promise<T> {
		const answer = once(this.child, 'message');
		this.child.send(message);
		return (await answer)[0] as T;
	}

	end() {
		if (this.child.connected) this.child.send({ close: true });
	}
}

/** Security officers, each with one device subscribed at the local push endpoint. */
async function officers(runtime: Runtime, rwId: string, subs: FakeSubscription[]): Promise<void> {
	for (const [i, sub] of subs.entries()) {
		const [user] = await runtime.db.query<{ id: string }>(`insert into app_user (phone, name, password_hash) values ($1, $2, 'x') returning id`, [`+62818${String(i).padStart(7, '0')}`, `Petugas ${i + 1}`]);
		await runtime.db.query(`insert into membership (user_id, rw_id, role) values ($1, $2, 'security_officer')`, [user!.id, rwId]);
		await runtime.db.query(`insert into push_subscription (rw_id, user_id, endpoint, p256dh, auth, label) values ($1, $2, $3, $4, $5, 'bench')`, [rwId, user!.id, sub.endpoint, sub.keys.p256dh, sub.keys.auth]);
	}
}

/**
 * Each officer's push for an incident's trigger, timed from the incident's trigger time
 * (the database's clock, this machine's) to its arrival at the endpoint. Waits up to
 * `waitMs` for the expected number.
 */
async function pushLatencies(runtime: Runtime, endpoint: PushEndpointChild, rwId: string, officerCount: number, waitMs: number) {
	const incidents = await runtime.db.query<{ id: string; at: number }>(`select id, extract(epoch from triggered_at) * 1000 as at from panic_incident where rw_id = $1`, [rwId]);
	const triggered = new Map(incidents.map((i) => [`/security/incidents/${i.id}`, Number(i.at)]));
	const expected = incidents.length * officerCount;
	const deadline = Date.now() + waitMs;
	for (;;) {
		const { arrivals } = await endpoint.ask<{ arrivals: PushArrival[] }>({ arrivals: true });
		const timed = arrivals.filter((a) => a.url !== null && triggered.has(a.url)).map((a) => a.at - triggered.get(a.url!)!);
		if (timed.length >= expected || Date.now() > deadline) return { latencies: timed, expected, failed: arrivals.filter((a) => a.status !== 201).length };
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** The press endpoint as the route has it: the session, the schema, the service; answered after the commit. */
function pressHandler(runtime: Runtime) {
	return (req: IncomingMessage, res: ServerResponse) => {
		if (req.method !== 'POST' || req.url !== '/panik') return void res.writeHead(404).end();
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			void (async () => {
				const user = await readSession(runtime.db, String(req.headers['x-bench-session']), 1);
				const parsed = pressSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString()));
				if (!user || !parsed.success) return void res.writeHead(400).end();
				const result = await runtime.panic.press(user, parsed.data);
				res.writeHead(result.ok ? 201 : 429, { 'content-type': 'application/json' }).end(JSON.stringify(result));
			})().catch((err: unknown) => res.writeHead(500).end(String(err)));
		});
	};
}

async function main() {
	const o = options();
	const started = performance.now();
	console.log(`panic benchmark: ${o.publishers} background sensors at ${o.rate} readings/s; ${o.buttons} button and ${o.phones} phone presses at ${o.perSecond}/s; ${os.cpus().length} CPUs, node ${process.version}\n`);
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-panic-'));
	let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
	const http: Server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	const logLines: string[] = [];
	const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', SEED_DEMO: '0' });
	const endpoint = new PushEndpointChild();
	await endpoint.ready;
	const { ca, subs } = await endpoint.ask<{ ca: string; subs: FakeSubscription[] }>({ make: o.officers });
	const runtime = await startRuntime(config, { httpServer: http, log: (line) => logLines.length < 50 && logLines.push(line), pushCa: ca });
	handler = pressHandler(runtime);
	const probe = new Probe<ToProbe, FromProbe>(path.join(import.meta.dirname, 'panic/probe.ts'));
	try {
		const [rw] = await runtime.db.query<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ($1, 'RW 078 (benchmark)', 'Benchmark', 'Jakarta Utara') returning id`, [RW_CODE]);
		const fleet = await devices(runtime, rw!.id, 'bgp', 'sensor', o.publishers);
		const buttons = await devices(runtime, rw!.id, 'pb', 'panic', o.buttons);
		const tokens = await phones(runtime, rw!.id, o.phones);
		await officers(runtime, rw!.id, subs);
		const port = (http.address() as AddressInfo).port;
		const token = mintDashboardToken(runtime.pii.tokens, { userId: 'bench-officer', rwCode: RW_CODE, rwId: rw!.id });
		probe.send({ type: 'init', mqttUrl: `mqtt://127.0.0.1:${runtime.broker.tcpPort}`, wsUrl: `ws://127.0.0.1:${port}/mqtt`, httpUrl: `http://127.0.0.1:${port}`, rwCode: RW_CODE, token, buttons, phones: tokens });
		await probe.next('ready', 120_000);

		const target = runtimeTarget(runtime, RW_CODE, fleet);
		let probing: Promise<Extract<FromProbe, { type: 'result' }>> | null = null;
		const background = await runPhase({
			target,
			publishers: o.publishers,
			window: 32,
			generators: 1,
			mode: { kind: 'rate', rate: o.rate },
			warmupMs: 2000,
			durationMs: o.durationS * 1000,
			seqBase: 100_000_000_000,
			onMark: () => {
				probe.send({ type: 'run', perSecond: o.perSecond });
				probing = probe.next('result', (o.durationS + 60) * 1000);
			}
		});
		const result = await probing!;
		const all = [...result.device, ...result.app];
		const pushed = await pushLatencies(runtime, endpoint, rw!.id, o.officers, 30_000);
		const rssMb = process.memoryUsage().rss / 1048576;
		const ms = (v: number | null) => round(v, 1);
		console.log(
			formatTable(
				['source', 'presses', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
				[
					['button (MQTT)', result.device.length, ms(percentile(result.device, 50)), ms(percentile(result.device, 90)), ms(percentile(result.device, 99)), ms(percentile(result.device, 100))],
					['phone (HTTP)', result.app.length, ms(percentile(result.app, 50)), ms(percentile(result.app, 90)), ms(percentile(result.app, 99)), ms(percentile(result.app, 100))],
					['all', all.length, ms(percentile(all, 50)), ms(percentile(all, 90)), ms(percentile(all, 99)), ms(percentile(all, 100))]
				]
			)
		);
		console.log(`(latency: press sent → its incident received by the dashboard over WebSocket; target p99 < ${TARGET_P99_MS} ms)`);
		console.log(
			`push: ${pushed.latencies.length} of ${pushed.expected} requests at the local endpoint (${pushed.failed} refused); incident triggered → push request arrived: ` +
				`p50 ${ms(percentile(pushed.latencies, 50))} ms, p99 ${ms(percentile(pushed.latencies, 99))} ms, max ${ms(percentile(pushed.latencies, 100))} ms (target p99 < ${TARGET_PUSH_P99_MS} ms)`
		);
		console.log(`background ${Math.round(background.ackedPerS)} readings/s; ${result.missing} missing, ${result.errors} send errors; generator CPU ${round(background.generatorCpuPct, 0)} %, app ${round(background.serverCpuPct, 0)} %, other ${round(background.otherCpuPct, 0)} %; app RSS ${rssMb.toFixed(0)} MB`);
		if (logLines.length > 0) console.log(`runtime log (first lines):\n  ${logLines.slice(0, 5).join('\n  ')}`);
		const metrics = {
			dashboard_latency_p50_ms: ms(percentile(all, 50)),
			dashboard_latency_p99_ms: ms(percentile(all, 99)),
			push_latency_p50_ms: ms(percentile(pushed.latencies, 50)),
			push_latency_p99_ms: ms(percentile(pushed.latencies, 99)),
			push_requests_measured: pushed.latencies.length,
			push_requests_missing: pushed.expected - pushed.latencies.length,
			// Measured by bench:push (bench/results/push.json).
			push_fanout_10k_s: null,
			app_rss_mb: round(rssMb, 0),
			background_readings_per_s: round(background.ackedPerS, 0),
			dashboard_latency_p99_button_ms: ms(percentile(result.device, 99)),
			dashboard_latency_p99_phone_ms: ms(percentile(result.app, 99)),
			presses_measured: all.length,
			presses_missing: result.missing,
			other_cpu_pct: round(background.otherCpuPct, 0)
		};
		if (missingServerFlags().length > 0) {
			console.log(`\nthis process lacks the app's Node flags: run it as \`npm run bench:panic\`; bench/results/panic.json is not written.`);
		} else {
			const file = await writeResults('panic', { publishers: o.publishers, rate: o.rate, duration_s: o.durationS, buttons: o.buttons, phones: o.phones, per_second: o.perSecond, officers: o.officers, node_flags: serverNodeFlags().join(' ') }, metrics);
			console.log(`\nwrote ${path.relative(process.cwd(), file)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
		}
	} finally {
		probe.end();
		endpoint.end();
		await runtime.close();
		await new Promise((resolve) => http.close(resolve));
		await rm(dataDir, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err instanceof Error ? (err.stack ?? err.message) : err);
		process.exit(1);
	}
);
