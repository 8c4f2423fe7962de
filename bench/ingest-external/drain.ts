// `npx tsx bench/ingest-external/drain.ts [--publishers 100 --seconds 4 --rounds 3 --fsync off --node-flags '--flag …']`
//
// CPU per reading of one app instance in scale-out mode, measured so that a shared
// machine disturbs it little: the stack of bench:ingest-external with one instance;
// the instance is stopped (SIGSTOP) while the generator publishes for `--seconds` at
// full speed (Mosquitto PUBACKs and queues them for the instance's session), then it
// is continued (SIGCONT) and drains the backlog alone. The instance's CPU time and
// PostgreSQL's (from /proc) between SIGCONT and the last reading stored, divided by the
// readings stored: the work per reading, at whatever speed the machine gives. Rounds
// follow one another on the same stack (the first warms the JIT). Run it from each
// worktree to compare builds (it runs the build of the tree it is in), or with
// --node-flags (added to npm start's, space-separated) to compare V8 settings.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { runPhase } from '../ingest/runner';
import { ensureBuild } from '../lib/app';
import { benchArgs } from '../lib/args';
import { startPostgres } from '../lib/postgres';
import { processCpuSeconds, treeCpuDelta, treeCpuSeconds } from '../lib/proc';
import { freePort, METRICS_TOKEN, prepareDatabase, rssMb, startGeneratedMosquitto, startInstance, stopInstance, waitFor } from './stack';

async function main() {
	const usage = "usage: npx tsx bench/ingest-external/drain.ts [--publishers N] [--seconds S] [--rounds N] [--fsync on|off] [--node-flags '--flag …']";
	const { values, int, fail } = benchArgs(usage, {
		options: {
			publishers: { type: 'string', default: '100' },
			seconds: { type: 'string', default: '4' },
			rounds: { type: 'string', default: '3' },
			fsync: { type: 'string', default: 'off' },
			'node-flags': { type: 'string', default: '' }
		}
	});
	const publishers = int('publishers', 1, 1000);
	const seconds = int('seconds', 1, 60);
	const rounds = int('rounds', 1, 9);
	if (values.fsync !== 'on' && values.fsync !== 'off') fail('--fsync must be on or off');
	const nodeFlags = values['node-flags'].split(' ').filter((f) => f !== '');
	await ensureBuild();
	const pg = await startPostgres([], { durable: values.fsync === 'on' });
	const cleanup: (() => Promise<unknown>)[] = [() => pg.stop()];
	try {
		const { db, devices } = await prepareDatabase(pg.url, publishers);
		cleanup.unshift(() => db.close());
		const mosquitto = await startGeneratedMosquitto(await freePort(), devices, ['rukun-app-1']);
		cleanup.unshift(() => mosquitto.close());
		const instance = await startInstance('rukun-app-1', { databaseUrl: pg.url, mqttPort: mosquitto.port, dataKey: randomBytes(32).toString('base64') }, nodeFlags);
		cleanup.unshift(() => stopInstance(instance));
		const pid = instance.app.pid;
		// The instance's own count of readings stored (/metrics): a count(*) every 100 ms would cost PostgreSQL more than the drain.
		const count = async () => {
			const text = await (await fetch(`${instance.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
			return Number(/^rukun_mqtt_messages_accepted_total (\S+)$/m.exec(text)?.[1] ?? NaN);
		};
		console.log(`drain: ${publishers} publishers, ${seconds} s of backlog per round, fsync ${values.fsync}, node flags added: ${nodeFlags.join(' ') || 'none'}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		for (let round = 1; round <= rounds; round++) {
			const before = await count();
			process.kill(pid, 'SIGSTOP');
			let result;
			try {
				result = await runPhase({ target: mosquitto, publishers, window: 32, generators: 1, mode: { kind: 'max' }, warmupMs: 0, durationMs: seconds * 1000, seqBase: 100_000_000_000 * round });
			} finally {
				process.kill(pid, 'SIGCONT');
			}
			const app0 = processCpuSeconds(pid) ?? 0;
			const pg0 = pg.pid ? treeCpuSeconds(pg.pid) : new Map<number, number>();
			const t0 = performance.now();
			const target = before + result.totalAcked;
			await waitFor(async () => (await count()) >= target, 300_000, 'the backlog stored');
			const wallS = (performance.now() - t0) / 1000;
			const appS = (processCpuSeconds(pid) ?? 0) - app0;
			const pgS = pg.pid ? treeCpuDelta(pg0, treeCpuSeconds(pg.pid)) : 0;
			const n = (await count()) - before;
			console.log(
				`round ${round}: ${n} readings (${result.totalAcked} PUBACKed) stored in ${wallS.toFixed(1)} s; CPU per reading: app ${((appS * 1e6) / n).toFixed(1)} µs, PostgreSQL ${((pgS * 1e6) / n).toFixed(1)} µs; app RSS ${rssMb(pid)?.toFixed(0)} MB; load average ${os.loadavg()[0]!.toFixed(1)}`
			);
		}
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
