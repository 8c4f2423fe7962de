// `npm run bench:ingest-external [-- --publishers 100 --duration 8 --window 32 --devices 100]`
//
// Scale-out ingest (README "External broker"): a throw-away PostgreSQL and Mosquitto
// (Debian, started here with the config `npm run mosquitto:config` writes), two app
// instances of the built app with DATABASE_URL + MQTT_URL, and the raw-socket QoS 1
// generator of bench:ingest (its own process) at full speed against Mosquitto.
//   1. full speed: readings stored per second, counted in the database; then every
//      reading Mosquitto PUBACKed must be stored once (lost = PUBACKed − stored)
//   2. the same while instance 1 is killed with SIGKILL a third into the window and
//      started again: lost after the kill, counted the same way
//   3. Mosquitto alone (no ACL, no persistence, anonymous), same generator: msgs/s
// Bounded: each phase at most --duration s plus a drain of at most 180 s; everything
// is stopped and removed at the end. Prints a table and writes
// bench/results/ingest-external.json.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { freePort, killInstance, METRICS_TOKEN, prepareDatabase, rssMb, startGeneratedMosquitto, startInstance, stopInstance, waitFor, type Instance } from './ingest-external/stack';
import { runPhase, type PhaseResult } from './ingest/runner';
import { startMosquitto } from './ingest/targets';
import { ensureBuild } from './lib/app';
import { startPostgres } from './lib/postgres';
import { processCpuSeconds, treeCpuDelta, treeCpuSeconds } from './lib/proc';
import { formatTable, round, writeResults, type Metrics } from './lib/report';
import { wholeNumber } from './lib/args';

const TARGET_READINGS_PER_S = 20_000;
const DRAIN_TIMEOUT_MS = 180_000;
/** 12-digit seq bases: the two phases never collide on one database. */
const SEQ_BASE = { max: 100_000_000_000, kill: 200_000_000_000, bare: 300_000_000_000 };

function options() {
	const { values } = parseArgs({
		options: {
			// One device per publisher (a device id is its client id: two connections would take over each other).
			publishers: { type: 'string', default: '100' },
			duration: { type: 'string', default: '8' },
			window: { type: 'string', default: '32' },
			warmup: { type: 'string', default: '1' }
		}
	});
	const int = wholeNumber;
	return {
		publishers: int('publishers', values.publishers, 1, 1000),
		durationS: int('duration', values.duration, 2, 60),
		window: int('window', values.window, 1, 1000),
		warmupS: int('warmup', values.warmup, 0, 10)
	};
}

async function main() {
	const o = options();
	const started = performance.now();
	console.log(`ingest-external: ${o.publishers} publishers (one device each), window ${o.window}, ${o.warmupS} s + ${o.durationS} s per phase; ${os.cpus().length} CPUs, node ${process.version}`);
	await ensureBuild();
	const pg = await startPostgres();
	const cleanup: (() => Promise<unknown>)[] = [() => pg.stop()];
	try {
		const { db, devices } = await prepareDatabase(pg.url, o.publishers);
		cleanup.unshift(() => db.close());
		const users = ['rukun-app-1', 'rukun-app-2'];
		const mosquitto = await startGeneratedMosquitto(await freePort(), devices, users);
		cleanup.unshift(() => mosquitto.close());
		const env = { databaseUrl: pg.url, mqttPort: mosquitto.port, dataKey: randomBytes(32).toString('base64') };
		const instances: Instance[] = await Promise.all(users.map((u) => startInstance(u, env)));
		cleanup.unshift(() => Promise.all(instances.map((i) => stopInstance(i))));
		console.log(`PostgreSQL ${pg.version}, Mosquitto on ${mosquitto.port}, app instances ${instances.map((i) => i.app.url).join(', ')}`);

		const stored = async (base: number) => {
			const [row] = await db.query<{ n: number }>('select count(*)::int as n from reading where seq > $1 and seq <= $2', [base, base + 99_999_999_999]);
			return row!.n;
		};
		/** CPU seconds of the app instances and of PostgreSQL (postmaster and backends) so far. */
		const stackCpu = () => ({
			app: new Map(instances.map((i) => [i.app.pid, processCpuSeconds(i.app.pid) ?? 0])),
			pg: pg.pid ? treeCpuSeconds(pg.pid) : new Map<number, number>()
		});
		/** Readings missing inside a phase's seq range: per device, max − min + 1 − stored. */
		const gapsIn = async (base: number) => {
			const [row] = await db.query<{ missed: number | null }>(
				`select sum(n)::float8 as missed from (
				   select max(seq) - min(seq) + 1 - count(*) as n from reading where seq > $1 and seq <= $2 group by device_id) g`,
				[base, base + 99_999_999_999]
			);
			return row!.missed ?? 0;
		};
		const phase = async (seqBase: number, during?: () => Promise<void>) => {
			let mark = { at: 0, rows: 0, cpu: stackCpu() };
			let stop = { at: 0, rows: 0, cpu: stackCpu() };
			let side: Promise<void> = Promise.resolve();
			const result = await runPhase({
				target: mosquitto,
				publishers: o.publishers,
				window: o.window,
				generators: 1,
				mode: { kind: 'max' },
				warmupMs: o.warmupS * 1000,
				durationMs: o.durationS * 1000,
				seqBase,
				onMark: async () => {
					mark = { at: performance.now(), rows: await stored(seqBase), cpu: stackCpu() };
					if (during) side = during();
				},
				onStop: async () => {
					stop = { at: performance.now(), rows: await stored(seqBase), cpu: stackCpu() };
				}
			});
			await side;
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
			return {
				result,
				appCpuPct,
				pgCpuPct,
				// "Other" in runPhase is everything but the generator, Mosquitto and this process: here that includes the stack.
				otherCpuPct: result.otherCpuPct === null ? null : Math.max(0, result.otherCpuPct - appCpuPct - pgCpuPct),
				gaps: await gapsIn(seqBase),
				storedPerS: (stop.rows - mark.rows) / ((stop.at - mark.at) / 1000),
				rows,
				lost: Math.max(0, result.totalAcked - rows),
				drainS: (performance.now() - drainStart) / 1000
			};
		};

		const max = await phase(SEQ_BASE.max);
		console.log(`full speed: ${Math.round(max.storedPerS)} stored/s, ${max.result.totalAcked} PUBACKed by Mosquitto, ${max.rows} stored, drained in ${max.drainS.toFixed(1)} s`);

		let restartS = 0;
		const kill = await phase(SEQ_BASE.kill, async () => {
			await new Promise((resolve) => setTimeout(resolve, (o.durationS * 1000) / 3));
			await killInstance(instances[0]!);
			const t0 = performance.now();
			instances[0] = await startInstance(users[0]!, env);
			restartS = (performance.now() - t0) / 1000;
		});
		console.log(`with SIGKILL + restart of ${users[0]} (back in ${restartS.toFixed(1)} s): ${kill.result.totalAcked} PUBACKed, ${kill.rows} stored, drained in ${kill.drainS.toFixed(1)} s`);
		const rss = Math.max(...instances.map((i) => rssMb(i.app.pid) ?? 0));
		// Batch sizes from the instances' own counters (/metrics with the METRICS_TOKEN bearer token).
		const batches = await Promise.all(
			instances.map(async (i) => {
				const text = await (await fetch(`${i.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(10_000) })).text();
				const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
				return { batches: value('rukun_ingest_batches_total'), rows: value('rukun_mqtt_messages_accepted_total'), max: value('rukun_ingest_batch_rows_max') };
			})
		);
		const retries = instances.flatMap((i) => i.app.output().split('\n').filter((l) => l.includes('not stored')));
		if (retries.length > 0) console.log(`store retries logged by the instances: ${retries.length}, first: ${retries[0]!.slice(0, 300)}`);
		const meanBatch = batches.reduce((n, b) => n + b.rows, 0) / Math.max(1, batches.reduce((n, b) => n + b.batches, 0));
		const droppedByBroker = (mosquitto.log().match(/Outgoing messages are being dropped/g) ?? []).length;

		const bare = await startMosquitto();
		let bareResult: PhaseResult | null = null;
		if (bare) {
			try {
				bareResult = await runPhase({ target: bare, publishers: o.publishers, window: o.window, generators: 1, mode: { kind: 'max' }, warmupMs: o.warmupS * 1000, durationMs: o.durationS * 1000, seqBase: SEQ_BASE.bare });
			} finally {
				await bare.close();
			}
		}

		const pct = (v: number | null | undefined) => round(v ?? null, 0);
		console.log('');
		console.log(
			formatTable(
				['phase', 'stored/s (DB)', 'PUBACKs/s (Mosquitto)', 'PUBACKed', 'stored', 'lost', 'seq gaps', 'generator CPU %', 'Mosquitto CPU %', 'apps CPU %', 'PostgreSQL CPU %', 'other CPU %'],
				[
					['full speed', Math.round(max.storedPerS), Math.round(max.result.ackedPerS), max.result.totalAcked, max.rows, max.lost, max.gaps, pct(max.result.generatorCpuPct), pct(max.result.serverCpuPct), pct(max.appCpuPct), pct(max.pgCpuPct), pct(max.otherCpuPct)],
					['SIGKILL + restart', Math.round(kill.storedPerS), Math.round(kill.result.ackedPerS), kill.result.totalAcked, kill.rows, kill.lost, kill.gaps, pct(kill.result.generatorCpuPct), pct(kill.result.serverCpuPct), pct(kill.appCpuPct), pct(kill.pgCpuPct), pct(kill.otherCpuPct)],
					['Mosquitto alone', null, bareResult ? Math.round(bareResult.ackedPerS) : null, bareResult?.totalAcked ?? null, null, null, null, pct(bareResult?.generatorCpuPct), pct(bareResult?.serverCpuPct), null, null, pct(bareResult?.otherCpuPct)]
				]
			)
		);
		console.log(`\napp RSS (largest instance at the end): ${rss.toFixed(0)} MB; seq gaps (per device, max − min + 1 − stored): ${max.gaps} / ${kill.gaps}; Mosquitto "dropped" warnings: ${droppedByBroker}; rows per batch (instances since their start): mean ${meanBatch.toFixed(0)}, max ${Math.max(...batches.map((b) => b.max))}`);
		console.log(`target ≥ ${TARGET_READINGS_PER_S}/s stored: ${max.storedPerS >= TARGET_READINGS_PER_S ? 'PASS' : 'FAIL'} (${Math.round(max.storedPerS)}/s); lost 0: ${max.lost === 0 && kill.lost === 0 ? 'PASS' : 'FAIL'}`);
		if ((max.otherCpuPct ?? 0) > 25 || (kill.otherCpuPct ?? 0) > 25) console.log('warning: other processes used > 25% of a core during the measured window: the figures are disturbed.');

		const metrics: Metrics = {
			external_readings_per_s: round(max.storedPerS, 0),
			mosquitto_msgs_per_s: bareResult ? round(bareResult.ackedPerS, 0) : null,
			external_lost_readings: max.lost,
			external_lost_readings_after_kill: kill.lost,
			app_rss_mb: round(rss, 0),
			external_mosquitto_acked_per_s: round(max.result.ackedPerS, 0),
			external_pubacked: max.result.totalAcked,
			external_stored: max.rows,
			external_drain_s: round(max.drainS, 1),
			external_batch_rows_mean: round(meanBatch, 0),
			external_batch_rows_max: Math.max(...batches.map((b) => b.max)),
			external_after_kill_pubacked: kill.result.totalAcked,
			external_after_kill_stored: kill.rows,
			external_after_kill_readings_per_s: round(kill.storedPerS, 0),
			external_restart_s: round(restartS, 1),
			external_seq_gaps: max.gaps,
			external_after_kill_seq_gaps: kill.gaps,
			external_mosquitto_drop_warnings: droppedByBroker,
			external_generator_cpu_pct: pct(max.result.generatorCpuPct),
			external_mosquitto_cpu_pct: pct(max.result.serverCpuPct),
			external_apps_cpu_pct: pct(max.appCpuPct),
			external_postgres_cpu_pct: pct(max.pgCpuPct),
			external_other_cpu_pct: pct(max.otherCpuPct),
			external_after_kill_other_cpu_pct: pct(kill.otherCpuPct),
			mosquitto_generator_cpu_pct: pct(bareResult?.generatorCpuPct),
			mosquitto_broker_cpu_pct: pct(bareResult?.serverCpuPct)
		};
		const file = await writeResults('ingest-external', { publishers: o.publishers, duration_s: o.durationS, window: o.window, postgres: pg.version }, metrics);
		console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
	} finally {
		for (const step of cleanup) await step().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
	}
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err instanceof Error ? (err.stack ?? err.message) : err);
		process.exit(1);
	}
);
