// `npx tsx bench/memory/heavy-work.ts --data DIR [--start-env 'NAME=value …']`
//
// How large each thread's V8 heap gets during the heaviest legitimate requests, to show
// that a bound on a worker's old generation (src/lib/server/db/pglite-thread.ts) leaves
// room for them: the built app (`npm start`'s flags and environment) on DIR, a data
// directory made by `seed:scale` with dues (`bench:http -- --scenario dues` seeds one:
// 2,000 houses × 60 months), with the inspector on loopback. While the treasurer's
// exports (invoices, payments, cash book; XLSX and CSV) and the registry export run one
// after the other, every thread's heap is sampled (bench/memory/breakdown.ts); the peak
// used and committed heap per thread, and its limit, are printed. The registry import of
// 10,000 rows and a run of 50 letters are bench:ingest's admin load (`--admin-rows 10000
// --admin-letters 50`), which runs the same PGlite worker in its own process.
// DIR is copied to a temporary directory first (the exports write audit rows).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serverEnv, startEnv } from '../../scripts/node-flags';
import { ensureBuild, login, startApp } from '../lib/app';
import { processRssMb } from '../lib/proc';
import { benchArgs } from '../lib/args';
import { formatTable } from '../lib/report';
import { inspectorUrl, threadMemory, type ThreadMemory } from './breakdown';

const ADMIN_PHONE = '081200000003';
const TREASURER_PHONE = '081200000004';

const { values, fail } = benchArgs("usage: npx tsx bench/memory/heavy-work.ts --data DIR [--start-env 'NAME=value …']", {
	options: { data: { type: 'string' }, 'start-env': { type: 'string' } }
});
const data = values.data || fail('--data is required');
const env = values['start-env'] === undefined ? serverEnv() : startEnv(`${values['start-env']} node x`);

await ensureBuild();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-heavy-work-'));
await cp(path.resolve(data), dataDir, { recursive: true });
const app = await startApp({ DATA_DIR: dataDir }, 300_000, ['--inspect=127.0.0.1:0'], undefined, env);
const peaks = new Map<string, { used: number; committed: number; old: number; limit: number }>();
let rssPeak = 0;
let sampling = true;
const sampler = (async () => {
	const url = inspectorUrl(app.output())!;
	while (sampling) {
		let threads: ThreadMemory[] = [];
		try {
			threads = await threadMemory(url);
		} catch {
			// The app is busy; the next sample comes.
		}
		for (const t of threads) {
			const p = peaks.get(t.thread) ?? { used: 0, committed: 0, old: 0, limit: t.limitMb };
			peaks.set(t.thread, { used: Math.max(p.used, t.heapUsedMb), committed: Math.max(p.committed, t.heapCommittedMb), old: Math.max(p.old, t.spaces.old_space ?? 0), limit: t.limitMb });
		}
		rssPeak = Math.max(rssPeak, processRssMb(app.pid) ?? 0);
		await new Promise((r) => setTimeout(r, 100));
	}
})();

const work: [string, () => Promise<Response>][] = [];
try {
	const treasurer = await login(app.url, TREASURER_PHONE, process.env.DEMO_PASSWORD || 'rukun-demo');
	const admin = await login(app.url, ADMIN_PHONE, process.env.DEMO_PASSWORD || 'rukun-demo');
	for (const kind of ['invoices', 'payments', 'cashbook']) {
		for (const format of ['', '?format=csv']) {
			work.push([`/treasurer/kas/ekspor/${kind}${format}`, () => fetch(`${app.url}/treasurer/kas/ekspor/${kind}${format}`, { headers: { cookie: treasurer } })]);
		}
	}
	work.push([
		'POST /registry/export',
		() =>
			fetch(`${app.url}/registry/export`, {
				method: 'POST',
				body: new URLSearchParams({ reason: 'Rapat bulanan RW' }),
				headers: { cookie: admin, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' }
			})
	]);
	for (const [name, request] of work) {
		const t0 = performance.now();
		const response = await request();
		const bytes = (await response.arrayBuffer()).byteLength;
		console.log(`${name}: ${response.status}, ${(bytes / 1024).toFixed(0)} KB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
		if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
	}
} finally {
	sampling = false;
	await sampler;
	const code = await app.stop();
	await rm(dataDir, { recursive: true, force: true });
	console.log(
		'\n' +
			formatTable(
				['thread', 'peak used MB', 'peak committed MB', 'peak old space MB', 'limit MB'],
				[...peaks].map(([thread, p]) => [thread, p.used, p.committed, p.old, p.limit])
			)
	);
	console.log(`peak RSS ${rssPeak.toFixed(0)} MB; app exit code ${code}`);
}
