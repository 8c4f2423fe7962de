// `npm run bench:alerts [-- --publishers 200 --rate 5000 --duration 10 --crossings 20
//   --admin-duration 25 --admin-rows 10000 --admin-letters 50]`
//
// Alarm latency (docs/architecture.md, "Alarms" and "Benchmarks"). In this process: the
// app's runtime (startRuntime: embedded aedes with /mqtt on an HTTP server, the ingest,
// the alarm service, PGlite in its worker thread) on a fresh data dir; a fleet of
// sensors registered directly in the table. Separate processes:
//   - the raw-socket generator of bench:ingest drives the fleet at --rate readings/s
//     (levels well below their thresholds: background, no alarm);
//   - a probe (bench/alerts/probe.ts) makes --crossings sensors a second cross Siaga 3
//     and, as a security post's dashboard over MQTT-over-WebSocket, measures the time
//     from sending the deciding reading to receiving its alarm.
// Phase 1 measures that; phase 2 again while an RW admin's import (--admin-rows
// residents) and letters (--admin-letters with their PDFs) run. Prints a table and
// writes bench/results/alerts.json. Bounded: about a minute and a half.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sha256 } from '../src/lib/server/auth/tokens';
import { loadConfig } from '../src/lib/server/config';
import { mintDashboardToken } from '../src/lib/server/mqtt/dashboard-token';
import { startRuntime, type Runtime } from '../src/lib/server/runtime';
import { formatSession, prepareAdminLoad, sessionMetrics } from './ingest/admin-load';
import { runPhase, type PhaseResult } from './ingest/runner';
import { formatTable, round } from './ingest/stats';
import { formatLoop, watchLoop, type LoopFigures } from './ingest/profile';
import { runtimeTarget } from './lib/runtime-target';
import type { FromProbe, ToProbe } from './alerts/probe';
import { Probe } from './lib/probe';
import { writeResults } from './lib/report';
import { missingServerFlags, serverNodeFlags } from '../scripts/node-flags';
import { benchArgs } from './lib/args';

const RW_CODE = 'RW077';
const TARGET_P99_MS = 50;
/** Above this (% of one core) other processes disturbed a run: say so. */
const OTHER_CPU_WARNING = 25;

const USAGE = `usage: npm run bench:alerts -- [--publishers N] [--rate READINGS_PER_S] [--duration S] [--crossings PER_S]
       [--admin-duration S] [--admin-rows N] [--admin-letters N]`;

function options() {
	const { int } = benchArgs(USAGE, {
		options: {
			publishers: { type: 'string', default: '200' },
			rate: { type: 'string', default: '5000' },
			duration: { type: 'string', default: '10' },
			crossings: { type: 'string', default: '20' },
			'admin-duration': { type: 'string', default: '25' },
			'admin-rows': { type: 'string', default: '10000' },
			'admin-letters': { type: 'string', default: '50' }
		}
	});
	return {
		publishers: int('publishers', 1, 2000),
		rate: int('rate', 1, 50_000),
		durationS: int('duration', 2, 60),
		crossingsPerS: int('crossings', 1, 200),
		adminDurationS: int('admin-duration', 2, 90),
		adminRows: int('admin-rows', 0, 100_000),
		adminLetters: int('admin-letters', 0, 1000)
	};
}

/** Sensors inserted directly (secret_hash = sha256(secret)); thresholds per kind of sensor. */
async function register(runtime: Runtime, rwId: string, prefix: string, count: number, thresholds: [number, number, number]) {
	const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`);
	const secrets = ids.map(() => randomBytes(18).toString('base64url'));
	await runtime.db.query(
		`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, rise_limit_cm_per_10min, secret_hash)
		 select id, $1, 'sensor', 'Sensor ' || id, 60, 300, 400, $4, $5, $6, 500, h from unnest($2::text[], $3::text[]) as t(id, h)`,
		[rwId, ids, secrets.map(sha256), ...thresholds]
	);
	return ids.map((id, i) => ({ id, secret: secrets[i]! }));
}

function percentile(values: number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Measured {
	background: PhaseResult;
	/** The main thread's event loop in the measured window. */
	loop: LoopFigures;
	latencies: number[];
	missing: number;
	publishErrors: number;
}

async function main() {
	const o = options();
	const started = performance.now();
	console.log(`alerts benchmark: ${o.publishers} background sensors at ${o.rate} readings/s, ${o.crossingsPerS} crossings/s; ${os.cpus().length} CPUs, node ${process.version}\n`);
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-alerts-'));
	const http: Server = createServer((_req, res) => res.writeHead(404).end());
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	const logLines: string[] = [];
	const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', SEED_DEMO: '0' });
	// measureCpu: the gate's table gives each hold's CPU and run-queue time (a shared machine's wall time includes waiting for a core).
	const runtime = await startRuntime(config, { httpServer: http, measureCpu: true, log: (line) => logLines.length < 50 && logLines.push(line) });
	const probe = new Probe<ToProbe, FromProbe>(path.join(import.meta.dirname, 'alerts/probe.ts'));
	try {
		const [rw] = await runtime.db.query<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ($1, 'RW 077 (benchmark)', 'Benchmark', 'Jakarta Utara') returning id`, [RW_CODE]);
		// Background: level = 300 − distance (150..200) = 100..150 cm, far below Siaga 3 at 200.
		const fleet = await register(runtime, rw!.id, 'bg', o.publishers, [200, 250, 290]);
		const phase1 = await register(runtime, rw!.id, 'cross-a', o.crossingsPerS * o.durationS, [100, 150, 200]);
		const phase2 = await register(runtime, rw!.id, 'cross-b', o.crossingsPerS * o.adminDurationS, [100, 150, 200]);
		const wsUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`;
		const token = mintDashboardToken(runtime.pii.tokens, { userId: 'bench-officer', rwCode: RW_CODE, rwId: rw!.id });
		probe.send({ type: 'init', mqttUrl: `mqtt://127.0.0.1:${runtime.broker.tcpPort}`, wsUrl, rwCode: RW_CODE, token, devices: [...phase1, ...phase2] });
		await probe.next('ready', 120_000);

		const target = runtimeTarget(runtime, RW_CODE, fleet);

		const measure = async (ids: string[], durationS: number, seqBase: number, onMark?: () => void): Promise<Measured> => {
			let probing: Promise<Extract<FromProbe, { type: 'result' }>> | null = null;
			let stopLoop: (() => LoopFigures) | null = null;
			let loop: LoopFigures | null = null;
			const background = await runPhase({
				target,
				publishers: o.publishers,
				window: 32,
				generators: 1,
				mode: { kind: 'rate', rate: o.rate },
				warmupMs: 2000,
				durationMs: durationS * 1000,
				seqBase,
				onMark: () => {
					stopLoop = watchLoop();
					onMark?.();
					probe.send({ type: 'run', ids, perSecond: o.crossingsPerS, levelCm: 120 });
					probing = probe.next('result', (durationS + 60) * 1000);
				},
				onStop: () => {
					loop = stopLoop!();
				}
			});
			const result = await probing!;
			return { background, loop: loop!, latencies: result.latencies, missing: result.missing, publishErrors: result.publishErrors };
		};

		const quiet = await measure(
			phase1.map((d) => d.id),
			o.durationS,
			100_000_000_000
		);
		console.log(`phase 1: ${Math.round(quiet.background.ackedPerS)} background readings/s; alarm latency p50 ${percentile(quiet.latencies, 50)?.toFixed(1)} ms, p99 ${percentile(quiet.latencies, 99)?.toFixed(1)} ms (${quiet.latencies.length} alarms, ${quiet.missing} missing); ${formatLoop(quiet.loop)}`);

		const load = await prepareAdminLoad(runtime.db, o.adminRows, o.adminLetters);
		let work: ReturnType<typeof load.run> | null = null;
		const admin = await measure(
			phase2.map((d) => d.id),
			o.adminDurationS,
			200_000_000_000,
			() => {
				work = load.run();
				work.catch(() => {});
			}
		);
		const done = await work!;
		await load.close();
		const overlap = Math.min(1, (o.adminDurationS * 1000) / Math.max(done.importMs, done.lettersMs));
		console.log(
			`phase 2 (admin load): ${Math.round(admin.background.ackedPerS)} background readings/s; alarm latency p50 ${percentile(admin.latencies, 50)?.toFixed(1)} ms, p99 ${percentile(admin.latencies, 99)?.toFixed(1)} ms; ` +
				`import of ${done.imported} rows ${(done.importMs / 1000).toFixed(1)} s, ${done.issued} letters ${(done.lettersMs / 1000).toFixed(1)} s (window covered ${Math.round(overlap * 100)} % of it); ${formatLoop(admin.loop)}`
		);
		if (done.session) console.log(formatSession(done.session));
		await runtime.ingest.flush();
		await runtime.alarms.idle();
		const rssMb = process.memoryUsage().rss / 1048576;
		const stats = runtime.alarms.stats;
		const alarmsRaised = (await runtime.db.query<{ n: number }>(`select count(*)::int as n from alarm where type = 'flood_level'`))[0]!.n;

		const ms = (v: number | null) => round(v, 1);
		console.log('');
		console.log(
			formatTable(
				['phase', 'background/s', 'alarms', 'missing', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'generator CPU %', 'app process CPU %', 'other CPU %'],
				[quiet, admin].map((m, i) => [
					i === 0 ? 'quiet' : 'admin load',
					Math.round(m.background.ackedPerS),
					m.latencies.length,
					m.missing,
					ms(percentile(m.latencies, 50)),
					ms(percentile(m.latencies, 90)),
					ms(percentile(m.latencies, 99)),
					ms(percentile(m.latencies, 100)),
					round(m.background.generatorCpuPct, 0),
					round(m.background.serverCpuPct, 0),
					round(m.background.otherCpuPct, 0)
				])
			)
		);
		console.log(`(latency: the deciding reading sent → its alarm received by the dashboard over WebSocket; target p99 < ${TARGET_P99_MS} ms)`);
		console.log(`alarm service: ${stats.transitions} transitions recorded, ${stats.published} messages published, ${stats.failures} failures; ${alarmsRaised} flood alarms in the table; app RSS ${rssMb.toFixed(0)} MB`);
		const disturbed = [quiet, admin].filter((m) => (m.background.otherCpuPct ?? 0) > OTHER_CPU_WARNING);
		if (disturbed.length > 0) console.log(`warning: other processes used > ${OTHER_CPU_WARNING}% of a core during the run: the figures are disturbed; run again on a quiet machine.`);
		if (logLines.length > 0) console.log(`runtime log (first lines):\n  ${logLines.slice(0, 5).join('\n  ')}`);

		const metrics = {
			background_readings_per_s: round(quiet.background.ackedPerS, 0),
			alarm_latency_p50_ms: ms(percentile(quiet.latencies, 50)),
			alarm_latency_p99_ms: ms(percentile(quiet.latencies, 99)),
			alarm_latency_p99_under_admin_load_ms: ms(percentile(admin.latencies, 99)),
			app_rss_mb: round(rssMb, 0),
			alarm_latency_p50_under_admin_load_ms: ms(percentile(admin.latencies, 50)),
			alarm_latency_max_ms: ms(percentile(quiet.latencies, 100)),
			alarm_latency_max_under_admin_load_ms: ms(percentile(admin.latencies, 100)),
			alarms_measured: quiet.latencies.length,
			alarms_measured_under_admin_load: admin.latencies.length,
			alarms_missing: quiet.missing + admin.missing,
			background_readings_per_s_under_admin_load: round(admin.background.ackedPerS, 0),
			admin_load_import_s: round(done.importMs / 1000, 2),
			admin_load_letters_s: round(done.lettersMs / 1000, 2),
			admin_load_event_loop_delay_p99_ms: admin.loop.p99,
			admin_load_event_loop_delay_max_ms: admin.loop.max,
			admin_load_main_thread_busy_ms: admin.loop.busyMs,
			admin_load_window_coverage_pct: round(overlap * 100, 0),
			...sessionMetrics(done.session),
			other_cpu_pct: round(quiet.background.otherCpuPct, 0),
			other_cpu_pct_under_admin_load: round(admin.background.otherCpuPct, 0)
		};
		const missingFlags = missingServerFlags();
		if (missingFlags.length > 0) {
			console.log(`\nthis process lacks the app's Node flags (${missingFlags.join(' ')}): run it as \`npm run bench:alerts\`; bench/results/alerts.json is not written.`);
		} else {
			const file = await writeResults(
				'alerts',
				{ publishers: o.publishers, rate: o.rate, duration_s: o.durationS, crossings_per_s: o.crossingsPerS, admin_duration_s: o.adminDurationS, admin_rows: o.adminRows, admin_letters: o.adminLetters, node_flags: serverNodeFlags().join(' ') },
				metrics
			);
			console.log(`\nwrote ${path.relative(process.cwd(), file)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
		}
	} finally {
		probe.end();
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
