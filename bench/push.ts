// `npm run bench:push [-- --subscriptions 10000 --concurrency 32 --batch 200]`
//
// Web Push fan-out (docs/push.md): one announcement with push to --subscriptions
// members, each with one subscribed device, is written by notify() in one
// transaction; the push sender (the app's own, in this process, on PGlite in its
// worker thread) hands every request to a local push endpoint (HTTPS on loopback,
// tests/factories/push-endpoint.ts in a child process, bench/push/endpoint-child.ts;
// it checks the VAPID signature but does not decrypt). Measured: commit → the last
// request answered (push_fanout_10k_s, target < 30 s on 2 cores), and this process's
// RSS before, at peak (sampled every 100 ms) and after, to show memory held flat.
// Writes bench/results/push.json.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openAndMigrate } from '../src/lib/server/db';
import { notify } from '../src/lib/server/notifications';
import { PushSender } from '../src/lib/server/push/sender';
import { loadVapidKeys } from '../src/lib/server/push/vapid';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { FakeSubscription } from '../tests/factories/push-endpoint';
import { benchArgs } from './lib/args';
import { formatTable, round, writeResults } from './lib/report';

const TARGET_S = 30;

const USAGE = 'usage: npm run bench:push -- [--subscriptions N] [--concurrency N] [--batch N]';

function options() {
	const { int } = benchArgs(USAGE, {
		options: {
			subscriptions: { type: 'string', default: '10000' },
			concurrency: { type: 'string', default: '32' },
			batch: { type: 'string', default: '200' }
		}
	});
	return {
		subscriptions: int('subscriptions', 1, 100_000),
		concurrency: int('concurrency', 1, 1000),
		batch: int('batch', 1, 5000)
	};
}

const rssMb = () => process.memoryUsage.rss() / 1024 / 1024;

/** Sends `message` to the endpoint's process and resolves with its next answer. */
async function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
	const answer = once(child, 'message');
	child.send(message as object);
	return (await answer)[0] as T;
}

async function main() {
	const opts = options();
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-push-'));
	const db = await openAndMigrate({ dataDir });
	const child = fork(path.join(import.meta.dirname, 'push/endpoint-child.ts'), [], { execArgv: ['--import', 'tsx'] });
	await once(child, 'message');
	try {
		console.log(`setting up ${opts.subscriptions} members with one device each…`);
		const [rw] = await db.query<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ('RW901', 'RW Bench', 'Bench', 'Jakarta') returning id`);
		const rwId = rw!.id;
		const [rt] = await db.query<{ id: string }>(`insert into rt (rw_id, number, name) values ($1, 1, 'RT 1') returning id`, [rwId]);
		const { ca, subs } = await ask<{ ca: string; subs: FakeSubscription[] }>(child, { make: opts.subscriptions });
		const userIds: string[] = [];
		for (let i = 0; i < subs.length; i += 1000) {
			const chunk = subs.slice(i, i + 1000);
			const users = await db.query<{ id: string }>(
				`insert into app_user (phone, name, password_hash) select '+628' || lpad((900000000 + n)::text, 10, '0'), 'Warga ' || n, 'x' from unnest($1::int[]) as n returning id`,
				[chunk.map((_, j) => i + j)]
			);
			const ids = users.map((u) => u.id);
			userIds.push(...ids);
			await db.query(`insert into membership (user_id, rw_id, role, rt_id) select u, $1, 'resident', $2 from unnest($3::uuid[]) as u`, [rwId, rt!.id, ids]);
			await db.query(
				`insert into push_subscription (rw_id, user_id, endpoint, p256dh, auth, label) select $1, u, e, p, a, 'bench' from unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) as s(u, e, p, a)`,
				[rwId, ids, chunk.map((s) => s.endpoint), chunk.map((s) => s.keys.p256dh), chunk.map((s) => s.keys.auth)]
			);
		}
		const vapid = await loadVapidKeys({ dataDir });
		const sender = new PushSender({ db, vapid, ca, concurrency: opts.concurrency, batch: opts.batch, sweepMs: 60_000 });
		sender.start();
		await sender.idle();
		if (global.gc) global.gc();
		const before = rssMb();
		let peak = before;
		const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
		// Other work on the machine shows in the wall time: recorded beside the figures.
		const loadAverage = os.loadavg()[0]!;
		const cpuBefore = process.cpuUsage();
		const started = performance.now();
		await db.transaction((tx) => notify(tx, rwId, userIds, 'announcement.posted', { title: `Bench ${randomBytes(3).toString('hex')}` }, '/pengumuman'));
		const committed = performance.now();
		const { accepted } = await ask<{ received: number; accepted: number }>(child, { waitFor: opts.subscriptions });
		const handed = performance.now();
		await sender.idle();
		clearInterval(sampler);
		const cpu = process.cpuUsage(cpuBefore);
		const after = rssMb();
		const fanoutS = (handed - committed) / 1000;
		const [logged] = await db.query<{ n: number }>(`select count(*)::int as n from push_delivery where result = 'sent'`);
		await sender.close();
		const metrics = {
			push_fanout_10k_s: round(fanoutS * (10_000 / opts.subscriptions), 2),
			fanout_s: round(fanoutS, 2),
			requests_per_s: round(opts.subscriptions / fanoutS, 0),
			notify_commit_ms: round(committed - started, 1),
			delivered: accepted,
			delivery_log_rows: logged!.n,
			rss_before_mb: round(before, 0),
			rss_peak_mb: round(peak, 0),
			rss_after_mb: round(after, 0),
			app_rss_mb: round(after, 0),
			process_cpu_s: round((cpu.user + cpu.system) / 1e6, 1)
		};
		console.log(
			formatTable(
				['metric', 'value'],
				Object.entries(metrics).map(([k, v]) => [k, v])
			)
		);
		console.log(`target: push_fanout_10k_s < ${TARGET_S} s (${metrics.push_fanout_10k_s !== null && metrics.push_fanout_10k_s < TARGET_S ? 'met' : 'missed'})`);
		console.log(`wrote ${await writeResults('push', { ...opts, endpoint: 'local HTTPS in a child process, VAPID checked, not decrypted', database: 'pglite (worker thread)', machine_load_average: round(loadAverage, 1) }, metrics)}`);
	} finally {
		child.send({ close: true });
		await db.close();
		await rm(dataDir, { recursive: true, force: true });
	}
}

main().catch((err: unknown) => {
	console.error(err);
	process.exit(1);
});
