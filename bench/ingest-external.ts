// `npm run bench:ingest-external [-- --publishers 100 --duration 10 --runs 3 --warmup 300000 --window 32 --fsync on|off]`
//
// Scale-out ingest (README "External broker"): a throw-away PostgreSQL and Mosquitto
// (Debian, started here with the config `npm run mosquitto:config` writes; PostgreSQL
// with fsync off unless --fsync on, as a deployment runs), two app
// instances of the built app with DATABASE_URL + MQTT_URL, and the raw-socket QoS 1
// generator of bench:ingest (its own process) at full speed against Mosquitto.
//   0. warm-up: full speed in 10 s phases until the instances have stored --warmup
//      readings (at most 120 s), readings stored per second printed: an instance's
//      CPU per reading falls by half over its first ~150,000 (JIT; bench/README.md,
//      "twelfth session")
//   1. --runs phases at full speed, each --duration s after a 2 s ramp: readings stored
//      per second, counted in the database; the figure is their median (with the
//      smallest and largest). After each, every reading Mosquitto PUBACKed must be
//      stored once (lost = PUBACKed − stored)
//   2. full speed again with PostgreSQL's fsync switched (on when the run's --fsync is
//      off, and the other way round; fsync is reloadable): the same sitting's other figure
//   3. the same while instance 1 is killed with SIGKILL a third into the window and
//      started again (last: the restarted instance's JIT is cold): lost after the kill,
//      counted the same way
//   4. Mosquitto alone (no ACL, no persistence, anonymous), same generator: msgs/s
// Bounded: each phase at most --duration s plus a drain of at most 180 s; everything
// is stopped and removed at the end. Prints a table and writes
// bench/results/ingest-external.json.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, killInstance, METRICS_TOKEN, prepareDatabase, rssMb, startGeneratedMosquitto, startInstance, stopInstance, waitFor, type Instance } from './ingest-external/stack';
import { summarise, type CpuProfile } from './ingest/profile';
import { runPhase, type PhaseResult } from './ingest/runner';
import { startMosquitto } from './ingest/targets';
import { ensureBuild } from './lib/app';
import { startPostgres } from './lib/postgres';
import { processCpuSeconds, treeCpuDelta, treeCpuSeconds } from './lib/proc';
import { formatTable, round, writeResults, type Metrics } from './lib/report';
import { benchArgs } from './lib/args';
import type { Database } from '../src/lib/server/db';

const TARGET_READINGS_PER_S = 20_000;
const DRAIN_TIMEOUT_MS = 180_000;
/** Each phase's first seq (the generator wants 12 digits) and the width of its range: phases never collide on one database. */
const SEQ_SPAN = 10_000_000_000;
const seqBaseOf = (phase: number) => 100_000_000_000 + phase * SEQ_SPAN;
/** The generator's ramp in each measured phase: publishers connected, load on, Mosquitto's queues filled. */
const RAMP_MS = 2000;
/** The warm-up runs in phases of this length until enough readings are stored, for at most WARMUP_MAX_MS. */
const WARMUP_PHASE_MS = 10_000;
const WARMUP_MAX_MS = 120_000;

const USAGE = `usage: npm run bench:ingest-external -- [--publishers N] [--duration S] [--runs N] [--window N] [--warmup READINGS]
       [--fsync on|off] [--profile] [--statements]`;

function options() {
	const { values, int, fail } = benchArgs(USAGE, {
		options: {
			// One device per publisher (a device id is its client id: two connections would take over each other).
			publishers: { type: 'string', default: '100' },
			duration: { type: 'string', default: '10' },
			// Full-speed phases measured; the figure is their median.
			runs: { type: 'string', default: '3' },
			window: { type: 'string', default: '32' },
			// Readings the instances store at full speed before the first measured phase (their JIT warms up); 0: none.
			warmup: { type: 'string', default: '300000' },
			// PostgreSQL's fsync in the measured phases and the SIGKILL phase (the target's figure; off, as the figures since the first session); one more phase runs with the other setting.
			fsync: { type: 'string', default: 'off' },
			// The instances run under `--cpu-prof`: the warm-up and one measured phase only, each thread's self time in its window printed, no JSON written.
			profile: { type: 'boolean', default: false },
			// PostgreSQL with pg_stat_statements: its statements by time and rows in one measured phase, no JSON written.
			statements: { type: 'boolean', default: false }
		}
	});
	if (values.fsync !== 'on' && values.fsync !== 'off') fail('--fsync must be on or off');
	return {
		publishers: int('publishers', 1, 1000),
		durationS: int('duration', 2, 60),
		runs: int('runs', 1, 15),
		window: int('window', 1, 1000),
		warmupReadings: int('warmup', 0, 10_000_000),
		fsync: values.fsync === 'on',
		profile: values.profile,
		statements: values.statements
	};
}

async function main() {
	const o = options();
	const started = performance.now();
	console.log(
		`ingest-external: ${o.publishers} publishers (one device each), window ${o.window}, warm-up ${o.warmupReadings} readings, ${o.runs} × ${o.durationS} s measured (after a ${RAMP_MS / 1000} s ramp each), fsync ${o.fsync ? 'on' : 'off'}; ${os.cpus().length} CPUs, node ${process.version}; load average ${loadAverage()}`
	);
	await ensureBuild();
	const pg = await startPostgres(o.statements ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [], { durable: o.fsync });
	const cleanup: (() => Promise<unknown>)[] = [() => pg.stop()];
	try {
		const { db, devices } = await prepareDatabase(pg.url, o.publishers);
		cleanup.unshift(() => db.close());
		if (o.statements) await db.exec('create extension if not exists pg_stat_statements');
		const users = ['rukun-app-1', 'rukun-app-2'];
		const mosquitto = await startGeneratedMosquitto(await freePort(), devices, users);
		cleanup.unshift(() => mosquitto.close());
		const env = { databaseUrl: pg.url, mqttPort: mosquitto.port, dataKey: randomBytes(32).toString('base64') };
		const profileDirs = o.profile ? await Promise.all(users.map(() => mkdtemp(path.join(os.tmpdir(), 'rukun-bench-profile-')))) : [];
		const profileFlags = (i: number) => (o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDirs[i]}`, '--cpu-prof-interval=500'] : []);
		const instances: Instance[] = await Promise.all(users.map((u, i) => startInstance(u, env, profileFlags(i))));
		cleanup.unshift(() => Promise.all(instances.map((i) => stopInstance(i))));
		console.log(`PostgreSQL ${pg.version}, Mosquitto on ${mosquitto.port}, app instances ${instances.map((i) => i.app.url).join(', ')}`);

		const stored = async (base: number) => {
			const [row] = await db.query<{ n: number }>('select count(*)::int as n from reading where seq >= $1 and seq < $2', [base, base + SEQ_SPAN]);
			return row!.n;
		};
		/** CPU seconds of the app instances and of PostgreSQL (postmaster and backends) so far. */
		const stackCpu = () => ({
			// An instance that is gone (killed, not back yet) drops out instead of counting as 0 s.
			app: new Map(instances.flatMap((i) => {
				const seconds = processCpuSeconds(i.app.pid);
				return seconds === null ? [] : [[i.app.pid, seconds] as const];
			})),
			pg: pg.pid ? treeCpuSeconds(pg.pid) : new Map<number, number>()
		});
		/** Readings missing inside a phase's seq range: per device, max − min + 1 − stored. */
		const gapsIn = async (base: number) => {
			const [row] = await db.query<{ missed: number | null }>(
				`select sum(n)::float8 as missed from (
				   select max(seq) - min(seq) + 1 - count(*) as n from reading where seq >= $1 and seq < $2 group by device_id) g`,
				[base, base + SEQ_SPAN]
			);
			return row!.missed ?? 0;
		};
		let phases = 0;
		const phase = async (label: string, shape: { rampMs: number; durationMs: number }, during?: () => Promise<void>) => {
			const seqBase = seqBaseOf(phases++);
			let mark = { at: 0, rows: 0, cpu: stackCpu(), us: monotonicUs(), counters: [] as (Counters | null)[] };
			let stop = { ...mark };
			let side: Promise<void> = Promise.resolve();
			const rates = new PerSecond(() => countersOf(instances));
			const loadAtStart = loadAverage();
			const result = await runPhase({
				target: mosquitto,
				publishers: o.publishers,
				window: o.window,
				generators: 1,
				mode: { kind: 'max' },
				warmupMs: shape.rampMs,
				durationMs: shape.durationMs,
				seqBase,
				onMark: async () => {
					if (o.statements) await db.query('select pg_stat_statements_reset()');
					mark = { at: performance.now(), rows: await stored(seqBase), cpu: stackCpu(), us: monotonicUs(), counters: await countersOf(instances) };
					rates.start();
					if (during) side = during();
				},
				onStop: async () => {
					// The CPU before the count: a count(*) over a table of millions of rows is not the stack's work.
					const at = performance.now();
					const cpu = stackCpu();
					const us = monotonicUs();
					stop = { at, cpu, us, rows: await stored(seqBase), counters: await countersOf(instances) };
					void rates.stop();
				}
			});
			await side;
			await rates.stop();
			// Everything Mosquitto acknowledged must reach the database (queued in the
			// broker while the instances catch up): wait for it, bounded.
			const drainStart = performance.now();
			await waitFor(async () => (await stored(seqBase)) >= result.totalAcked, DRAIN_TIMEOUT_MS, 'every PUBACKed reading stored').catch((err: unknown) =>
				console.log(`  ${String(err)}`)
			);
			const rows = await stored(seqBase);
			const windowS = (stop.at - mark.at) / 1000;
			// An instance restarted in the window counts from its start (its start-up included).
			const appCpuPct = (treeCpuDelta(mark.cpu.app, stop.cpu.app) / windowS) * 100;
			const pgCpuPct = (treeCpuDelta(mark.cpu.pg, stop.cpu.pg) / windowS) * 100;
			const storedPerS = (stop.rows - mark.rows) / windowS;
			// Per instance in the window (one that restarted in it is left out).
			const instancesIn = stop.counters
				.map((after, i) => ({ after, before: mark.counters[i] }))
				.filter((c): c is { after: Counters; before: Counters } => !!c.after && !!c.before && c.before.pid === c.after.pid)
				.map(({ after, before }) => ({
					writeBusyPct: ((after.writeSeconds - before.writeSeconds) / windowS) * 100,
					rowsPerBatch: (after.rows - before.rows) / Math.max(1, after.batches - before.batches),
					unackedMax: after.unackedMax,
					holds: after.holds - before.holds,
					pubacksPerWrite: (after.pubacks - before.pubacks) / Math.max(1, after.pubackWrites - before.pubackWrites)
				}));
			const p = {
				label,
				result,
				loadAtStart,
				appCpuPct,
				pgCpuPct,
				// "Other" in runPhase is everything but the generator, Mosquitto and this process: here that includes the stack.
				otherCpuPct: result.otherCpuPct === null ? null : Math.max(0, result.otherCpuPct - appCpuPct - pgCpuPct),
				gaps: await gapsIn(seqBase),
				storedPerS,
				// CPU time per reading stored in the window: what the throughput is on a machine the stack has to itself.
				appCpuUsPerReading: storedPerS > 0 ? (appCpuPct * 1e4) / storedPerS : null,
				pgCpuUsPerReading: storedPerS > 0 ? (pgCpuPct * 1e4) / storedPerS : null,
				instancesIn,
				perSecond: rates.rates(),
				rows,
				lost: Math.max(0, result.totalAcked - rows),
				drainS: (performance.now() - drainStart) / 1000,
				window: { fromUs: mark.us, toUs: stop.us }
			};
			console.log(
				`${label}: ${Math.round(p.storedPerS)} stored/s; CPU per reading: apps ${round(p.appCpuUsPerReading, 1)} µs, PostgreSQL ${round(p.pgCpuUsPerReading, 1)} µs; other processes ${Math.round(p.otherCpuPct ?? 0)} % of a core; ${p.result.totalAcked} PUBACKed, ${p.rows} stored, lost ${p.lost}, drained in ${p.drainS.toFixed(1)} s; load average ${loadAtStart}`
			);
			console.log(`  stored per second (the instances' counters): ${p.perSecond.map((r) => Math.round(r)).join(' ')}`);
			for (const [i, c] of p.instancesIn.entries()) {
				console.log(
					`  ${users[i]}: writing ${Math.round(c.writeBusyPct)} % of the window, ${Math.round(c.rowsPerBatch)} rows per batch, unacknowledged at most ${c.unackedMax}, held ${c.holds} times, ${Math.round(c.pubacksPerWrite)} PUBACKs per write`
				);
			}
			return p;
		};

		// The instances' JIT warms up at full speed (its per-second rates show when it has).
		const warmStart = performance.now();
		const storedByInstances = async () => (await countersOf(instances)).reduce((n, c) => n + (c?.rows ?? 0), 0);
		for (let k = 1; (await storedByInstances()) < o.warmupReadings && performance.now() - warmStart < WARMUP_MAX_MS; k++) {
			await phase(`warm-up ${k}`, { rampMs: 0, durationMs: WARMUP_PHASE_MS });
		}

		if (o.statements || o.profile) {
			const one = await phase('full speed', { rampMs: RAMP_MS, durationMs: o.durationS * 1000 });
			if (o.statements) {
				await printStatements(db, one.storedPerS * ((one.window.toUs - one.window.fromUs) / 1e6));
				console.log('\n--statements: bench/results/ is not written.');
				return;
			}
			console.log(`apps CPU ${Math.round(one.appCpuPct)} %, PostgreSQL CPU ${Math.round(one.pgCpuPct)} %, other ${Math.round(one.otherCpuPct ?? 0)} %`);
			// The profiles are written as the instances exit.
			await Promise.all(instances.map((i) => stopInstance(i)));
			for (const [i, dir] of profileDirs.entries()) await printProfiles(users[i]!, dir, one.window);
			console.log('\n--profile: the instances ran under the profiler, so bench/results/ is not written.');
			return;
		}

		const runs: Awaited<ReturnType<typeof phase>>[] = [];
		for (let k = 1; k <= o.runs; k++) runs.push(await phase(`full speed, run ${k}/${o.runs}`, { rampMs: RAMP_MS, durationMs: o.durationS * 1000 }));
		const median = medianOf(runs.map((r) => r.storedPerS));
		const spread = { min: Math.min(...runs.map((r) => r.storedPerS)), max: Math.max(...runs.map((r) => r.storedPerS)) };
		const appUs = medianOf(runs.map((r) => r.appCpuUsPerReading ?? NaN));
		const pgUs = medianOf(runs.map((r) => r.pgCpuUsPerReading ?? NaN));
		// The run whose rate is the median: its per-instance figures stand for the phase.
		const max = [...runs].sort((a, b) => a.storedPerS - b.storedPerS)[Math.floor((runs.length - 1) / 2)]!;

		// The same sitting's figure with the other fsync setting (fsync is reloaded without a restart).
		const otherFsync = o.fsync ? 'off' : 'on';
		await setFsync(db, !o.fsync);
		const other = await phase(`full speed, fsync ${otherFsync}`, { rampMs: RAMP_MS, durationMs: o.durationS * 1000 });
		await setFsync(db, o.fsync);

		// Last: the restarted instance starts with a cold JIT.
		let restartS = 0;
		const kill = await phase(`SIGKILL + restart of ${users[0]}`, { rampMs: RAMP_MS, durationMs: o.durationS * 1000 }, async () => {
			await new Promise((resolve) => setTimeout(resolve, (o.durationS * 1000) / 3));
			await killInstance(instances[0]!);
			const t0 = performance.now();
			instances[0] = await startInstance(users[0]!, env);
			restartS = (performance.now() - t0) / 1000;
		});
		console.log(`  ${users[0]} back in ${restartS.toFixed(1)} s`);
		const rss = Math.max(...instances.map((i) => rssMb(i.app.pid) ?? 0));
		// Batch sizes from the instances' own counters (/metrics with the METRICS_TOKEN bearer token).
		const batches = (await countersOf(instances)).filter((c) => c !== null);
		const retries = instances.flatMap((i) => i.app.output().split('\n').filter((l) => l.includes('not stored')));
		if (retries.length > 0) console.log(`store retries logged by the instances: ${retries.length}, first: ${retries[0]!.slice(0, 300)}`);
		const meanBatch = batches.reduce((n, b) => n + b.rows, 0) / Math.max(1, batches.reduce((n, b) => n + b.batches, 0));
		const droppedByBroker = (mosquitto.log().match(/Outgoing messages are being dropped/g) ?? []).length;

		const bare = await startMosquitto();
		let bareResult: PhaseResult | null = null;
		if (bare) {
			try {
				bareResult = await runPhase({ target: bare, publishers: o.publishers, window: o.window, generators: 1, mode: { kind: 'max' }, warmupMs: RAMP_MS, durationMs: o.durationS * 1000, seqBase: seqBaseOf(phases++) });
			} finally {
				await bare.close();
			}
		}

		const pct = (v: number | null | undefined) => round(v ?? null, 0);
		const row = (p: (typeof runs)[number]) => [p.label, Math.round(p.storedPerS), round(p.appCpuUsPerReading, 1), round(p.pgCpuUsPerReading, 1), Math.round(p.result.ackedPerS), p.result.totalAcked, p.rows, p.lost, p.gaps, pct(p.result.generatorCpuPct), pct(p.result.serverCpuPct), pct(p.appCpuPct), pct(p.pgCpuPct), pct(p.otherCpuPct), p.loadAtStart];
		console.log('');
		console.log(
			formatTable(
				['phase', 'stored/s (DB)', 'apps µs/reading', 'PostgreSQL µs/reading', 'PUBACKs/s (Mosquitto)', 'PUBACKed', 'stored', 'lost', 'seq gaps', 'generator CPU %', 'Mosquitto CPU %', 'apps CPU %', 'PostgreSQL CPU %', 'other CPU %', 'load average'],
				[
					...runs.map(row),
					row(other),
					row(kill),
					['Mosquitto alone', null, null, null, bareResult ? Math.round(bareResult.ackedPerS) : null, bareResult?.totalAcked ?? null, null, null, null, pct(bareResult?.generatorCpuPct), pct(bareResult?.serverCpuPct), null, null, pct(bareResult?.otherCpuPct), null]
				]
			)
		);
		const lostAll = [...runs, other, kill].reduce((n, p) => n + p.lost, 0);
		console.log(`\napp RSS (largest instance at the end): ${rss.toFixed(0)} MB; seq gaps (per device, max − min + 1 − stored): ${runs.map((r) => r.gaps).join(' / ')} / ${kill.gaps}; Mosquitto "dropped" warnings: ${droppedByBroker}; rows per batch (instances since their start): mean ${meanBatch.toFixed(0)}, max ${Math.max(...batches.map((b) => b.maxBatch))}`);
		console.log(
			`full speed, fsync ${o.fsync ? 'on' : 'off'}, median of ${runs.length}: ${Math.round(median)} stored/s (${Math.round(spread.min)}–${Math.round(spread.max)}, spread ${Math.round(((spread.max - spread.min) / median) * 100)} %); CPU per reading (medians): apps ${round(appUs, 1)} µs, PostgreSQL ${round(pgUs, 1)} µs`
		);
		console.log(`target ≥ ${TARGET_READINGS_PER_S}/s stored with fsync ${o.fsync ? 'on' : 'off'}: ${median >= TARGET_READINGS_PER_S ? 'PASS' : 'FAIL'} (median ${Math.round(median)}/s; with fsync ${otherFsync} ${Math.round(other.storedPerS)}/s); lost 0 (every phase, SIGKILL included): ${lostAll === 0 ? 'PASS' : 'FAIL'}`);
		if ([...runs, kill].some((p) => (p.otherCpuPct ?? 0) > 25)) console.log('warning: other processes used > 25% of a core during a measured window: the figures are disturbed.');

		const metrics: Metrics = {
			// The median of the measured full-speed runs, and their smallest and largest.
			external_readings_per_s: round(median, 0),
			external_readings_per_s_min: round(spread.min, 0),
			external_readings_per_s_max: round(spread.max, 0),
			external_runs: runs.length,
			mosquitto_msgs_per_s: bareResult ? round(bareResult.ackedPerS, 0) : null,
			// Summed over the measured runs.
			external_lost_readings: runs.reduce((n, r) => n + r.lost, 0),
			external_lost_readings_after_kill: kill.lost,
			app_rss_mb: round(rss, 0),
			external_mosquitto_acked_per_s: round(max.result.ackedPerS, 0),
			external_pubacked: runs.reduce((n, r) => n + r.result.totalAcked, 0),
			external_stored: runs.reduce((n, r) => n + r.rows, 0),
			external_drain_s: round(Math.max(...runs.map((r) => r.drainS)), 1),
			external_batch_rows_mean: round(meanBatch, 0),
			external_batch_rows_max: Math.max(...batches.map((b) => b.maxBatch)),
			external_after_kill_pubacked: kill.result.totalAcked,
			external_after_kill_stored: kill.rows,
			external_after_kill_readings_per_s: round(kill.storedPerS, 0),
			external_restart_s: round(restartS, 1),
			external_seq_gaps: runs.reduce((n, r) => n + r.gaps, 0),
			external_after_kill_seq_gaps: kill.gaps,
			// fsync as in the phases above (1 on, 0 off), and the full-speed phase with the other setting.
			external_fsync_on: o.fsync ? 1 : 0,
			[`external_readings_per_s_fsync_${otherFsync}`]: round(other.storedPerS, 0),
			[`external_lost_readings_fsync_${otherFsync}`]: other.lost,
			[`external_apps_cpu_us_per_reading_fsync_${otherFsync}`]: round(other.appCpuUsPerReading, 1),
			[`external_postgres_cpu_us_per_reading_fsync_${otherFsync}`]: round(other.pgCpuUsPerReading, 1),
			external_mosquitto_drop_warnings: droppedByBroker,
			external_generator_cpu_pct: pct(max.result.generatorCpuPct),
			external_mosquitto_cpu_pct: pct(max.result.serverCpuPct),
			external_apps_cpu_pct: pct(max.appCpuPct),
			// Medians of the measured runs.
			external_apps_cpu_us_per_reading: round(appUs, 1),
			external_postgres_cpu_us_per_reading: round(pgUs, 1),
			external_unacked_max: Math.max(...max.instancesIn.map((c) => c.unackedMax)),
			external_holds: max.instancesIn.reduce((n, c) => n + c.holds, 0),
			external_write_busy_pct: pct(Math.max(...max.instancesIn.map((c) => c.writeBusyPct))),
			external_postgres_cpu_pct: pct(max.pgCpuPct),
			external_other_cpu_pct: pct(max.otherCpuPct),
			external_after_kill_other_cpu_pct: pct(kill.otherCpuPct),
			mosquitto_generator_cpu_pct: pct(bareResult?.generatorCpuPct),
			mosquitto_broker_cpu_pct: pct(bareResult?.serverCpuPct)
		};
		const file = await writeResults(
			'ingest-external',
			{ publishers: o.publishers, duration_s: o.durationS, runs: o.runs, warmup_readings: o.warmupReadings, window: o.window, postgres: pg.version, fsync: o.fsync ? 'on' : 'off', load_average_at_start: Number(runs[0]!.loadAtStart) },
			metrics
		);
		console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
	} finally {
		for (const step of cleanup) await step().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
	}
}

/** The 1-minute load average now (the machine may be shared: figures are read beside it). */
const loadAverage = () => os.loadavg()[0]!.toFixed(1);

function medianOf(values: number[]): number {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Readings stored per second from the instances' own counters (rukun_mqtt_messages_accepted_total,
 * polled once a second): cheap beside a count in the database, and what shows whether the rate
 * has settled. An instance that does not answer (killed) is left out of that second.
 */
class PerSecond {
	private samples: { at: number; byPid: Map<number, number> }[] = [];
	private running = false;
	private loop: Promise<void> = Promise.resolve();
	constructor(private readonly read: () => Promise<(Counters | null)[]>) {}
	/** One sample after the other (never two in flight), each timed as it is answered, about a second apart. */
	start() {
		this.running = true;
		this.loop = (async () => {
			while (this.running) {
				const due = performance.now() + 1000;
				const counters = await this.read();
				this.samples.push({ at: performance.now(), byPid: new Map(counters.flatMap((c) => (c && Number.isFinite(c.rows) ? [[c.pid, c.rows] as const] : []))) });
				await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
			}
		})();
	}
	async stop() {
		this.running = false;
		await this.loop;
	}
	rates(): number[] {
		const out: number[] = [];
		for (let i = 1; i < this.samples.length; i++) {
			const a = this.samples[i - 1]!;
			const b = this.samples[i]!;
			let n = 0;
			for (const [pid, rows] of b.byPid) {
				const before = a.byPid.get(pid);
				if (before !== undefined) n += rows - before;
			}
			out.push(n / ((b.at - a.at) / 1000));
		}
		return out;
	}
}

/** The statements PostgreSQL ran since the phase's mark (the drain included), by total time, per reading stored in the window. */
async function printStatements(db: Database, readings: number) {
	const rows = await db.query<{ calls: number; ms: number; rows: number; blks: number; query: string }>(
		`select calls::int, total_exec_time::float8 as ms, rows::int8::float8 as rows, (shared_blks_hit + shared_blks_read)::float8 as blks,
		        regexp_replace(query, '\\s+', ' ', 'g') as query
		   from pg_stat_statements where query not like '%pg_stat_statements%' order by total_exec_time desc limit 12`
	);
	console.log(`\npg_stat_statements since the mark (${Math.round(readings)} readings stored in the window):`);
	for (const r of rows) {
		console.log(`  ${r.ms.toFixed(0).padStart(7)} ms  ${((r.ms * 1000) / Math.max(1, readings)).toFixed(1).padStart(5)} µs/reading  ${String(r.calls).padStart(6)} calls  ${Math.round(r.rows / Math.max(1, r.calls)).toString().padStart(6)} rows/call  ${Math.round(r.blks / Math.max(1, r.calls)).toString().padStart(6)} blocks/call  ${r.query.slice(0, 150)}`);
	}
}

/** PostgreSQL's fsync (a reloadable setting), with synchronous_commit at its default (on). */
async function setFsync(db: Database, on: boolean) {
	await db.exec(`alter system set fsync = ${on ? 'on' : 'off'}`);
	await db.query('select pg_reload_conf()');
	// The reload is asynchronous: wait until new sessions see it (the instances' pools reuse theirs, which reload at their next command).
	for (let i = 0; i < 50; i++) {
		const [row] = await db.query<{ fsync: string }>('show fsync');
		if (row?.fsync === (on ? 'on' : 'off')) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`fsync did not become ${on ? 'on' : 'off'}`);
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** An instance's own counters (/metrics with the METRICS_TOKEN bearer token), since its start. */
interface Counters {
	pid: number;
	batches: number;
	rows: number;
	maxBatch: number;
	writeSeconds: number;
	unackedMax: number;
	holds: number;
	pubacks: number;
	pubackWrites: number;
}

/** Null for an instance that does not answer (killed, not back yet). */
function countersOf(instances: Instance[]): Promise<(Counters | null)[]> {
	return Promise.all(
		instances.map(async (i) => {
			const response = await fetch(`${i.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(10_000) }).catch(() => null);
			if (!response?.ok) return null;
			const text = await response.text();
			const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
			return {
				pid: i.app.pid,
				batches: value('rukun_ingest_batches_total'),
				rows: value('rukun_mqtt_messages_accepted_total'),
				maxBatch: value('rukun_ingest_batch_rows_max'),
				writeSeconds: value('rukun_ingest_write_seconds_total'),
				unackedMax: value('rukun_mqtt_external_unacked_max'),
				holds: value('rukun_mqtt_external_holds_total'),
				pubacks: value('rukun_mqtt_external_pubacks_total'),
				pubackWrites: value('rukun_mqtt_external_puback_writes_total')
			};
		})
	);
}

/** Each thread's profile of one instance (main thread: thread id 0 in the file name), self time in the measured window. */
async function printProfiles(user: string, dir: string, window: { fromUs: number; toUs: number }) {
	const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
	for (const file of files) {
		const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
		const s = summarise(profile, 25, window);
		if (s.totalMs === 0) continue;
		const thread = file.split('.').at(-3) === '0' ? 'main thread' : `worker thread ${file.split('.').at(-3)}`;
		const line = (e: { name: string; ms: number; pct: number }) => `      ${e.pct.toFixed(1).padStart(5)} %  ${e.name}`;
		console.log(`\n  ${user}, ${thread} (${path.join(dir, file)}): ${s.totalMs.toFixed(0)} ms sampled in the window, self time by area:`);
		console.log(s.byArea.slice(0, 15).map(line).join('\n'));
		console.log('    by function:');
		console.log(s.byFunction.map(line).join('\n'));
	}
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err instanceof Error ? (err.stack ?? err.message) : err);
		process.exit(1);
	}
);
