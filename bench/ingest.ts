// `npm run bench:ingest [-- --publishers 200 --duration 10 --rate 5000 --window 32
//   --generators 1 --warmup 2 --no-baselines --profile --db-main-thread
//   --admin-rows 10000 --admin-letters 50]`
//
// MQTT ingest benchmark (docs/architecture.md, "The realtime path" and
// "Benchmarks"). In this process: the real broker with the real hooks, Ingest and a
// fresh PGlite in a temp dir; N sensor devices registered directly in the table. The
// load comes from separate generator processes (bench/ingest/generator.ts) writing
// pre-encoded QoS 1 PUBLISH packets on raw sockets with a fixed window per connection.
//   1. full path at maximum rate: PUBACKs/s, cross-checked with count(*) of `reading`
//   2. full path at --rate msgs/s: send → PUBACK (= stored) latency p50/p99
//   3. full path at --rate msgs/s while an RW admin's long work runs (--admin-rows residents
//      imported, --admin-letters letters issued with their PDFs): the same latency
//   4. baselines, same generator: bare aedes (max rate, and at --rate for latency) and
//      Mosquitto (max rate) when /usr/sbin/mosquitto is installed (else null)
// Prints a table and writes bench/results/ingest.json. Exit 0 unless something broke.
// --profile: CPU profile of this process over the full-path window (summary printed).
// --profile-admin: the same over the admin-load window, with the main thread's longest
// busy stretches (what kept it from reading the sensors' sockets) and what ran in them.
// Every rate phase prints the main thread's event-loop delay and busy time.
// --db-main-thread: experiment, PGlite in this thread instead of its worker thread (as before).
// The session gate's table gives the database worker's CPU and run-queue time per hold
// (wall time on a shared machine includes waiting for a core) and every wait from the
// main thread's send.
// These and --no-baselines leave bench/results/ingest.json alone. SQL-level timings:
// `npx tsx bench/ingest/sql-experiment.ts`.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatLoop, printProfileReport, Profiler, summarise, watchLoop, type LoopFigures } from './ingest/profile';
import { runPhase, type PhaseResult } from './ingest/runner';
import { formatTable, round } from './ingest/stats';
import { formatSession, prepareAdminLoad, sessionMetrics } from './ingest/admin-load';
import { ROOT, startBareAedes, startFullPath, startMosquitto, type FullPath } from './ingest/targets';
import { missingServerFlags, serverNodeFlags } from '../scripts/node-flags';
import { benchArgs } from './lib/args';
import type { SessionStats } from '../src/lib/server/db/worker-protocol';

type Metrics = Record<string, number | null>;

/** Targets from the issue (informational). */
const TARGET_READINGS_PER_S = 25_000;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
/** Above this (% of one core) the generator may be what limits a figure: say so. */
const GENERATOR_CPU_WARNING = 85;
/** Above this (% of one core) other processes disturbed a run: say so. */
const OTHER_CPU_WARNING = 25;

const USAGE = `usage: npm run bench:ingest -- [--publishers N] [--duration S] [--rate MSGS_PER_S] [--window N]
       [--generators N] [--warmup S] [--no-baselines] [--profile] [--profile-admin] [--db-main-thread]
       [--admin-rows N] [--admin-letters N]`;

function parseOptions() {
	const { values, int } = benchArgs(USAGE, {
		options: {
			publishers: { type: 'string', default: '200' },
			duration: { type: 'string', default: '10' },
			rate: { type: 'string', default: '5000' },
			window: { type: 'string', default: '32' },
			generators: { type: 'string', default: '1' },
			warmup: { type: 'string', default: '2' },
			'no-baselines': { type: 'boolean', default: false },
			profile: { type: 'boolean', default: false },
			'profile-admin': { type: 'boolean', default: false },
			'db-main-thread': { type: 'boolean', default: false },
			'admin-rows': { type: 'string', default: '10000' },
			'admin-letters': { type: 'string', default: '50' }
		}
	});
	return {
		publishers: int('publishers', 1, 2000),
		durationS: int('duration', 1, 60),
		rate: int('rate', 1, 200_000),
		window: int('window', 1, 1000),
		generators: int('generators', 1, 4),
		warmupS: int('warmup', 0, 30),
		baselines: !values['no-baselines'],
		profile: values.profile,
		profileAdmin: values['profile-admin'],
		dbMainThread: values['db-main-thread'],
		adminRows: int('admin-rows', 0, 100_000),
		adminLetters: int('admin-letters', 0, 1000)
	};
}

type Options = ReturnType<typeof parseOptions>;

/** Distinct 12-digit seq ranges per phase: phases on one database never collide. */
const SEQ_BASE = { fullMax: 100_000_000_000, fullRate: 200_000_000_000, fullAdmin: 600_000_000_000, bareMax: 300_000_000_000, bareRate: 400_000_000_000, mosquitto: 500_000_000_000 };

function phase(options: Options) {
	return {
		publishers: options.publishers,
		window: options.window,
		generators: options.generators,
		warmupMs: options.warmupS * 1000,
		durationMs: options.durationS * 1000
	};
}

interface FullPathFigures {
	max: PhaseResult;
	rate: PhaseResult;
	/** At --rate while a registry import and a run of letters go on (null: --admin-rows 0 and --admin-letters 0). */
	admin: {
		phase: PhaseResult;
		importMs: number;
		lettersMs: number;
		imported: number;
		issued: number;
		session: SessionStats | null;
		/** The main thread's event loop in the measured window. */
		loop: LoopFigures;
		endedInWindow: boolean;
		pubacksRowsMismatch: number;
	} | null;
	rowsAfterMax: number;
	rowsAfterRate: number;
	rollupMinuteN: number;
	rollupHourN: number;
	accepted: number;
	duplicates: number;
	rejected: number;
	refused: number;
	maxBatch: number;
	batchMs: { p50: number | null; p99: number | null; max: number | null };
	msPer1000Rows: number | null;
	brokerLog: string[];
	setupS: number;
	/** This process's RSS (broker, ingest, PGlite worker), MB: set up and idle; highest sampled under load; after the runs. */
	rssMb: { atRest: number; peak: number; after: number };
}

const rssMb = () => process.memoryUsage().rss / 1048576;

/** Samples this process's RSS every 250 ms until stopped; returns the highest. */
function sampleRss(): () => number {
	let peak = rssMb();
	const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 250);
	return () => {
		clearInterval(timer);
		return Math.max(peak, rssMb());
	};
}

function percentileOf(values: number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function fullPath(options: Options): Promise<FullPathFigures> {
	const t0 = performance.now();
	const full: FullPath = await startFullPath(options.publishers, { dbThread: options.dbMainThread ? 'main' : 'worker', measureCpu: true });
	const setupS = (performance.now() - t0) / 1000;
	console.log(`${full.name}: PGlite migrated and ${options.publishers} devices registered in ${setupS.toFixed(1)} s (${full.dataDir})`);
	const atRest = rssMb();
	const stopSampling = sampleRss();
	try {
		const profiler = options.profile ? new Profiler() : null;
		const profileFile = path.join(os.tmpdir(), `rukun-ingest-${Date.now()}.cpuprofile`);
		const max = await runPhase({
			...phase(options),
			target: full,
			mode: { kind: 'max' },
			seqBase: SEQ_BASE.fullMax,
			onMark: async () => {
				full.writes.recording = true;
				await profiler?.start();
			},
			onStop: async () => {
				full.writes.recording = false;
				if (profiler) printProfile(await profiler.stop(profileFile), profileFile);
			}
		});
		await full.settle();
		const rowsAfterMax = (await full.counts()).rows;
		const windowBatches = full.writes.batches.splice(0);
		const windowRows = windowBatches.reduce((n, b) => n + b.rows, 0);
		const windowMs = windowBatches.reduce((n, b) => n + b.ms, 0);
		console.log(`${full.name}, max rate: ${Math.round(max.ackedPerS)} PUBACKs/s; ${max.totalAcked} PUBACKs, ${rowsAfterMax} rows`);

		let stopLoop: (() => LoopFigures) | null = null;
		let rateLoop: LoopFigures | null = null;
		const rate = await runPhase({
			...phase(options),
			target: full,
			mode: { kind: 'rate', rate: options.rate },
			seqBase: SEQ_BASE.fullRate,
			onMark: () => {
				stopLoop = watchLoop();
			},
			onStop: () => {
				rateLoop = stopLoop!();
			}
		});
		await full.settle();
		const counts = await full.counts();
		const admin = options.adminRows + options.adminLetters > 0 ? await underAdminLoad(options, full, counts.rows) : null;
		const rowsAfterRate = counts.rows;
		console.log(`${full.name} at ${options.rate}/s: p50 ${rate.latency.p50?.toFixed(2)} ms, p99 ${rate.latency.p99?.toFixed(2)} ms; ${formatLoop(rateLoop!)}`);
		const m = full.ingest.metrics;
		const rss = { atRest, peak: stopSampling(), after: rssMb() };
		console.log(`${full.name}: RSS ${rss.atRest.toFixed(0)} MB at rest, ${rss.peak.toFixed(0)} MB at the highest under load, ${rss.after.toFixed(0)} MB after`);
		return {
			rssMb: rss,
			max,
			rate,
			admin,
			rowsAfterMax,
			rowsAfterRate,
			rollupMinuteN: counts.minuteN,
			rollupHourN: counts.hourN,
			accepted: m.accepted,
			duplicates: m.duplicates,
			rejected: m.rejectedTotal(),
			refused: m.refusedConnections,
			maxBatch: full.ingest.readings.stats.maxBatch,
			batchMs: {
				p50: percentileOf(
					windowBatches.map((b) => b.ms),
					50
				),
				p99: percentileOf(
					windowBatches.map((b) => b.ms),
					99
				),
				max: percentileOf(
					windowBatches.map((b) => b.ms),
					100
				)
			},
			msPer1000Rows: windowRows > 0 ? (windowMs / windowRows) * 1000 : null,
			brokerLog: full.brokerLog,
			setupS
		};
	} finally {
		stopSampling();
		await full.close();
	}
}

/**
 * The rate phase again, with the admin's long work started when the measured window
 * opens: the send → PUBACK latency of readings while it runs.
 */
async function underAdminLoad(options: Options, full: FullPath, rowsBefore: number): Promise<FullPathFigures['admin']> {
	const load = await prepareAdminLoad(full.db, options.adminRows, options.adminLetters);
	try {
		let work: ReturnType<typeof load.run> | null = null;
		let stoppedAt = 0;
		let stopLoop: (() => LoopFigures) | null = null;
		let loop: LoopFigures | null = null;
		const profiler = options.profileAdmin ? new Profiler() : null;
		const profileFile = path.join(os.tmpdir(), `rukun-ingest-admin-${Date.now()}.cpuprofile`);
		const adminPhase = await runPhase({
			...phase(options),
			target: full,
			mode: { kind: 'rate', rate: options.rate },
			seqBase: SEQ_BASE.fullAdmin,
			onMark: async () => {
				await profiler?.start();
				stopLoop = watchLoop();
				full.waterfall.start();
				work = load.run();
				work.catch(() => {}); // awaited below
			},
			onStop: async () => {
				stoppedAt = performance.now();
				loop = stopLoop!();
				if (profiler) printProfileReport('CPU profile of the main thread over the admin-load window', await profiler.stop(profileFile), profileFile);
			}
		});
		const startedAt = stoppedAt - options.durationS * 1000;
		const done = await work!;
		await full.settle();
		full.waterfall.stop();
		const endedInWindow = startedAt + Math.max(done.importMs, done.lettersMs) <= stoppedAt;
		console.log(
			`${full.name} at ${options.rate}/s under admin load: p50 ${adminPhase.latency.p50?.toFixed(2)} ms, p99 ${adminPhase.latency.p99?.toFixed(2)} ms; ` +
				`import of ${done.imported} rows ${(done.importMs / 1000).toFixed(1)} s, ${done.issued} letters ${(done.lettersMs / 1000).toFixed(1)} s` +
				(endedInWindow ? '' : ' (longer than the window: --duration covers only part of it)')
		);
		console.log(`${full.name} under admin load: ${formatLoop(loop!)}`);
		if (done.session) console.log(formatSession(done.session));
		console.log(full.waterfall.report(adminPhase.slowest));
		const rowsAdded = (await full.counts()).rows - rowsBefore;
		return { phase: adminPhase, ...done, loop: loop!, endedInWindow, pubacksRowsMismatch: adminPhase.totalAcked - rowsAdded };
	} finally {
		await load.close();
	}
}

function printProfile(profile: Parameters<typeof summarise>[0], file: string) {
	const s = summarise(profile);
	console.log(`\nCPU profile of this process over the full-path window: ${file} (${s.totalMs.toFixed(0)} ms sampled)`);
	console.log(
		formatTable(
			['area (self time)', 'ms', '%'],
			s.byArea.map((a) => [a.name, round(a.ms, 0), round(a.pct, 1)])
		)
	);
	console.log('');
	console.log(
		formatTable(
			['function (self time)', 'ms', '%'],
			s.byFunction.map((f) => [f.name.slice(0, 100), round(f.ms, 0), round(f.pct, 1)])
		)
	);
	console.log('');
}

async function bareAedes(options: Options): Promise<{ max: PhaseResult; rate: PhaseResult }> {
	const target = await startBareAedes();
	try {
		const max = await runPhase({ ...phase(options), target, mode: { kind: 'max' }, seqBase: SEQ_BASE.bareMax });
		console.log(`bare aedes, max rate: ${Math.round(max.ackedPerS)} PUBACKs/s`);
		const rate = await runPhase({ ...phase(options), target, mode: { kind: 'rate', rate: options.rate }, seqBase: SEQ_BASE.bareRate });
		console.log(`bare aedes at ${options.rate}/s: p50 ${rate.latency.p50?.toFixed(2)} ms, p99 ${rate.latency.p99?.toFixed(2)} ms`);
		return { max, rate };
	} finally {
		await target.close();
	}
}

async function mosquitto(options: Options): Promise<PhaseResult | null> {
	const target = await startMosquitto();
	if (!target) {
		console.log('mosquitto: not installed (/usr/sbin/mosquitto), reported as null');
		return null;
	}
	try {
		const max = await runPhase({ ...phase(options), target, mode: { kind: 'max' }, seqBase: SEQ_BASE.mosquitto });
		console.log(`mosquitto, max rate: ${Math.round(max.ackedPerS)} PUBACKs/s`);
		return max;
	} finally {
		await target.close();
	}
}

const pct = (v: number | null) => round(v, 0);
const ms = (v: number | null) => round(v, 2);

function phaseRow(label: string, r: PhaseResult | null): (string | number | null)[] {
	if (!r) return [label, null, null, null, null, null, null, null];
	return [label, Math.round(r.ackedPerS), ms(r.latency.p50), ms(r.latency.p99), pct(r.generatorCpuPct), pct(r.serverCpuPct), pct(r.otherCpuPct), r.totalAcked];
}

function check(label: string, ok: boolean, detail: string) {
	return [label, ok ? 'PASS' : 'FAIL', detail];
}

async function main() {
	const options = parseOptions();
	const started = performance.now();
	console.log(
		`ingest benchmark: ${options.publishers} publishers, window ${options.window}, ${options.generators} generator process(es), ` +
			`${options.warmupS} s warm-up + ${options.durationS} s per phase, latency at ${options.rate}/s; ${os.cpus().length} CPUs, node ${process.version}\n`
	);
	const full = await fullPath(options);
	const bare = options.baselines ? await bareAedes(options) : null;
	const mosq = options.baselines ? await mosquitto(options) : null;

	const maxR = full.max;
	const serverAcceptedPerS =
		maxR.server.after.accepted !== null && maxR.server.before.accepted !== null
			? (maxR.server.after.accepted - maxR.server.before.accepted) / ((maxR.server.after.at - maxR.server.before.at) / 1000)
			: null;
	const windowBatches = (maxR.server.after.batches ?? 0) - (maxR.server.before.batches ?? 0);
	const windowItems = (maxR.server.after.batchItems ?? 0) - (maxR.server.before.batchItems ?? 0);
	const windowWriteMs = (maxR.server.after.writeMs ?? 0) - (maxR.server.before.writeMs ?? 0);
	const serverWindowMs = maxR.server.after.at - maxR.server.before.at;
	const rateR = full.rate;
	const rateBatches = (rateR.server.after.batches ?? 0) - (rateR.server.before.batches ?? 0);
	const rateItems = (rateR.server.after.batchItems ?? 0) - (rateR.server.before.batchItems ?? 0);
	const acksMax = maxR.totalAcked;
	const acksRate = rateR.totalAcked;
	const agree = full.rowsAfterMax === acksMax && full.rowsAfterRate - full.rowsAfterMax === acksRate;
	const ratio = bare ? maxR.ackedPerS / bare.max.ackedPerS : null;

	console.log('');
	console.log(
		formatTable(
			['run', 'msgs/s acked', 'p50 ms', 'p99 ms', 'generator CPU %', 'broker process CPU %', 'other processes CPU %', 'PUBACKs total'],
			[
				phaseRow(`${maxR.target}, max rate`, maxR),
				phaseRow(`${rateR.target} @ ${options.rate}/s`, rateR),
				phaseRow('bare aedes, max rate', bare?.max ?? null),
				phaseRow(`bare aedes @ ${options.rate}/s`, bare?.rate ?? null),
				phaseRow('mosquitto, max rate', mosq)
			]
		)
	);
	console.log('(CPU % of one core over the measured window; "other processes" = the rest of the machine; p50/p99 = send → PUBACK)\n');

	console.log(
		formatTable(
			['full path detail', 'value'],
			[
				['PUBACKs, max-rate run', acksMax],
				['rows in reading after it (count(*))', full.rowsAfterMax],
				['PUBACKs, rate run', acksRate],
				['rows added by it', full.rowsAfterRate - full.rowsAfterMax],
				['PUBACKs agree with rows', agree ? 'yes' : 'NO'],
				['readings counted by minute / hour rollups', `${full.rollupMinuteN} / ${full.rollupHourN}`],
				['ingest accepted counter (both runs)', full.accepted],
				['server-side accepted/s in window', round(serverAcceptedPerS, 0)],
				['duplicates / rejected / refused connections', `${full.duplicates} / ${full.rejected} / ${full.refused}`],
				['batches in window', windowBatches],
				['mean rows per batch', round(windowBatches > 0 ? windowItems / windowBatches : null, 0)],
				['largest batch (whole run)', full.maxBatch],
				['writeReadings ms per batch p50 / p99 / max', `${ms(full.batchMs.p50)} / ${ms(full.batchMs.p99)} / ${ms(full.batchMs.max)}`],
				['writeReadings ms per 1,000 rows', ms(full.msPer1000Rows)],
				['DB writer busy % of window', pct((windowWriteMs / serverWindowMs) * 100)],
				[`mean rows per batch @ ${options.rate}/s`, round(rateBatches > 0 ? rateItems / rateBatches : null, 1)],
				['rate run: sends skipped (every window full)', rateR.skippedSends],
				['connections lost / unacked after drain', `${maxR.connectionsLost + rateR.connectionsLost} / ${maxR.unacked + rateR.unacked}`]
			]
		)
	);
	if (full.brokerLog.length > 0) console.log(`broker log (first lines):\n  ${full.brokerLog.slice(0, 5).join('\n  ')}`);
	const errors = [...maxR.errors, ...rateR.errors, ...(bare?.max.errors ?? []), ...(bare?.rate.errors ?? []), ...(mosq?.errors ?? [])];
	if (errors.length > 0) console.log(`generator notes:\n  ${errors.slice(0, 10).join('\n  ')}`);
	console.log('');

	const p99 = rateR.latency.p99;
	console.log(
		formatTable(
			['target (informational)', 'result', 'measured'],
			[
				check(`full path ≥ ${TARGET_READINGS_PER_S} readings/s`, maxR.ackedPerS >= TARGET_READINGS_PER_S, `${Math.round(maxR.ackedPerS)}/s`),
				check(
					`full path ≥ ${TARGET_RATIO} × bare aedes`,
					ratio !== null && ratio >= TARGET_RATIO,
					ratio === null ? 'no baseline run' : `${ratio.toFixed(2)} × ${Math.round(bare!.max.ackedPerS)}/s`
				),
				check(`p99 < ${TARGET_P99_MS} ms at ${options.rate}/s`, p99 !== null && p99 < TARGET_P99_MS, `${ms(p99)} ms`),
				check('PUBACKs = rows stored', agree, `${acksMax + acksRate} PUBACKs, ${full.rowsAfterRate} rows`),
				check(
					'rollups count every row',
					full.rollupMinuteN === full.rowsAfterRate && full.rollupHourN === full.rowsAfterRate,
					`minute ${full.rollupMinuteN}, hour ${full.rollupHourN}`
				)
			]
		)
	);
	const busyGenerators = [maxR, rateR, bare?.max, bare?.rate, mosq].filter((r): r is PhaseResult => !!r && r.generatorCpuPctMax > GENERATOR_CPU_WARNING);
	if (busyGenerators.length > 0) {
		console.log(
			`\nwarning: a generator process used > ${GENERATOR_CPU_WARNING}% of a core in: ${busyGenerators.map((r) => r.target + (r.mode.kind === 'rate' ? ' @ rate' : '')).join(', ')} — that figure is a lower bound (the generator ran out of CPU, not the broker; --generators 2 helps only with a core to spare).`
		);
	}

	const disturbed = [maxR, rateR, bare?.max, bare?.rate, mosq].filter((r): r is PhaseResult => !!r && (r.otherCpuPct ?? 0) > OTHER_CPU_WARNING);
	if (disturbed.length > 0) {
		console.log(
			`\nwarning: other processes used > ${OTHER_CPU_WARNING}% of a core during: ${disturbed.map((r) => `${r.target}${r.mode.kind === 'rate' ? ' @ rate' : ''} (${pct(r.otherCpuPct)}%)`).join(', ')} — those figures are disturbed; run again on a quiet machine.`
		);
	}

	const metrics: Metrics = {
		full_path_readings_per_s: round(maxR.ackedPerS, 0),
		app_rss_mb: round(full.rssMb.after, 0),
		app_rss_at_rest_mb: round(full.rssMb.atRest, 0),
		app_rss_peak_mb: round(full.rssMb.peak, 0),
		bare_aedes_msgs_per_s: bare ? round(bare.max.ackedPerS, 0) : null,
		mosquitto_msgs_per_s: mosq ? round(mosq.ackedPerS, 0) : null,
		ratio_vs_bare_aedes: round(ratio, 3),
		stored_latency_p50_ms: ms(rateR.latency.p50),
		stored_latency_p99_ms: ms(rateR.latency.p99),
		stored_latency_p99_under_admin_load_ms: full.admin ? ms(full.admin.phase.latency.p99) : null,
		stored_latency_p50_under_admin_load_ms: full.admin ? ms(full.admin.phase.latency.p50) : null,
		stored_latency_max_under_admin_load_ms: full.admin ? ms(full.admin.phase.latency.max) : null,
		admin_load_pubacks_rows_mismatch: full.admin ? full.admin.pubacksRowsMismatch : null,
		admin_load_import_s: full.admin ? round(full.admin.importMs / 1000, 2) : null,
		admin_load_letters_s: full.admin ? round(full.admin.lettersMs / 1000, 2) : null,
		admin_load_event_loop_delay_p99_ms: full.admin ? full.admin.loop.p99 : null,
		admin_load_event_loop_delay_max_ms: full.admin ? full.admin.loop.max : null,
		admin_load_main_thread_busy_ms: full.admin ? full.admin.loop.busyMs : null,
		...(full.admin ? sessionMetrics(full.admin.session) : {}),
		stored_latency_p90_ms: ms(rateR.latency.p90),
		stored_latency_max_ms: ms(rateR.latency.max),
		stored_latency_acked_per_s: round(rateR.ackedPerS, 0),
		full_path_server_accepted_per_s: round(serverAcceptedPerS, 0),
		full_path_pubacks_total: acksMax + acksRate,
		full_path_reading_rows: full.rowsAfterRate,
		full_path_pubacks_rows_mismatch: acksMax + acksRate - full.rowsAfterRate,
		full_path_rollup_rows_mismatch: Math.abs(full.rollupMinuteN - full.rowsAfterRate) + Math.abs(full.rollupHourN - full.rowsAfterRate),
		full_path_latency_p50_ms_at_max: ms(maxR.latency.p50),
		full_path_latency_p99_ms_at_max: ms(maxR.latency.p99),
		full_path_generator_cpu_pct: pct(maxR.generatorCpuPct),
		full_path_broker_process_cpu_pct: pct(maxR.serverCpuPct),
		stored_latency_generator_cpu_pct: pct(rateR.generatorCpuPct),
		bare_aedes_generator_cpu_pct: bare ? pct(bare.max.generatorCpuPct) : null,
		bare_aedes_broker_process_cpu_pct: bare ? pct(bare.max.serverCpuPct) : null,
		bare_aedes_latency_p50_ms: bare ? ms(bare.rate.latency.p50) : null,
		bare_aedes_latency_p99_ms: bare ? ms(bare.rate.latency.p99) : null,
		mosquitto_generator_cpu_pct: mosq ? pct(mosq.generatorCpuPct) : null,
		mosquitto_broker_cpu_pct: mosq ? pct(mosq.serverCpuPct) : null,
		full_path_batches: windowBatches,
		full_path_batch_rows_mean: round(windowBatches > 0 ? windowItems / windowBatches : null, 1),
		full_path_batch_rows_max: full.maxBatch,
		full_path_write_ms_p50: ms(full.batchMs.p50),
		full_path_write_ms_p99: ms(full.batchMs.p99),
		full_path_write_ms_per_1000_rows: ms(full.msPer1000Rows),
		full_path_db_busy_pct: pct((windowWriteMs / serverWindowMs) * 100),
		stored_latency_batch_rows_mean: round(rateBatches > 0 ? rateItems / rateBatches : null, 1),
		full_path_other_cpu_pct: pct(maxR.otherCpuPct),
		stored_latency_other_cpu_pct: pct(rateR.otherCpuPct),
		bare_aedes_other_cpu_pct: bare ? pct(bare.max.otherCpuPct) : null,
		mosquitto_other_cpu_pct: mosq ? pct(mosq.otherCpuPct) : null
	};
	const missingFlags = missingServerFlags();
	if (missingFlags.length > 0) {
		console.log(`\nthis process lacks the app's Node flags (package.json start): ${missingFlags.join(' ')} — run it as \`npm run bench:ingest\`; bench/results/ingest.json is not written.`);
	} else if (options.profile || options.profileAdmin || options.dbMainThread || !options.baselines) {
		console.log('\n--profile / --db-main-thread / --no-baselines: not a complete run of the shipped configuration, so bench/results/ingest.json is not written.');
	} else {
		const file = path.join(ROOT, 'bench/results/ingest.json');
		await mkdir(path.dirname(file), { recursive: true });
		const body = {
			bench: 'ingest',
			at: new Date().toISOString(),
			node: process.version,
			cpus: os.cpus().length,
			params: {
				publishers: options.publishers,
				duration_s: options.durationS,
				rate: options.rate,
				window: options.window,
				generators: options.generators,
				node_flags: serverNodeFlags().join(' ')
			},
			metrics
		};
		await writeFile(file, JSON.stringify(body, null, 2) + '\n');
		console.log(`\nwrote ${path.relative(ROOT, file)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
	}
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err instanceof Error ? (err.stack ?? err.message) : err);
		process.exit(1);
	}
);
