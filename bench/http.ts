// `npm run bench:http [-- --duration 10 --connections 100 --backends pglite,postgres
//   --scenario registry --routes /rw,/rw/members --warmup 2 --houses 2000 --residents 10000 --profile --data-dir DIR]`
//
// For each backend: a fresh DATA_DIR (and, for `postgres`, a throw-away PostgreSQL),
// benchmark data from scripts/seed-scale.ts, the built app started as `npm start`
// does, a login as the RW admin, then autocannon (in this process) against the empty
// `/baseline` page and each route of the scenario. Prints a table and writes
// bench/results/http-<scenario>.json (docs/architecture.md, "Benchmarks").
// --data-dir DIR (PGlite): measure a DATA_DIR seeded beforehand by seed-scale instead of
// seeding a fresh one (kept afterwards; writes no JSON).
// --profile: the app runs with `--cpu-prof`; its main thread's self time is printed
// per measured window, by area and by function. Profiling slows the app, so such a
// run writes no JSON.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { summarise, type CpuProfile } from './ingest/profile';
import { benchArgs } from './lib/args';
import { appEnv, ensureBuild, login, probe, ROOT, startApp, type BenchApp } from './lib/app';
import { REQUEST_TIMEOUT_S, runLoad, type LoadResult } from './lib/load';
import { PostgresUnavailable, startPostgres, type ThrowawayPostgres } from './lib/postgres';
import { processRssMb, run } from './lib/proc';
import { formatTable, round, writeResults, type Metrics } from './lib/report';

/** Routes per scenario, measured as the RW admin. */
const SCENARIOS: Record<string, string[]> = {
	registry: ['/registry', '/registry?q=siti', '/registry?nik=0001', '/registry?rt=5&sex=P&page=3'],
	// dues (iuran): the treasurer's dashboard, the monthly report, and (`phone@route`) the demo resident's own page.
	dues: ['/treasurer', '/iuran/laporan', '081200000001@/iuran']
};
const BACKENDS = ['pglite', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];

/**
 * The empty page, requested twice: without a session (the target's baseline, "an empty
 * SvelteKit page") and with the admin's session cookie (the signed-in floor every
 * page of the app pays: session check, signed-in layout), shown for context.
 */
const BASELINE = '/baseline';
const SIGNED_IN_BASELINE = '/baseline (signed in)';
const ADMIN_PHONE = '081200000003';
/** dues (iuran): its pages are the treasurer's. */
const TREASURER_PHONE = '081200000004';
/** Targets from the issue (informational): route req/s ≥ 0.4 × baseline, p95 ≤ 2.5 × baseline. */
const TARGET_RATIO = 0.4;
const TARGET_P95 = 2.5;
/** Above this (% of one core) other processes disturbed a run: say so. */
const OTHER_CPU_WARNING = 25;

const USAGE = `usage: npm run bench:http -- [--duration S] [--connections N] [--backends pglite,postgres]
       [--scenario ${Object.keys(SCENARIOS).join('|')}] [--routes /a,/b] [--warmup S] [--houses N] [--residents N] [--profile] [--data-dir DIR]`;

function parseOptions() {
	const { values, int, fail } = benchArgs(USAGE, {
		options: {
			duration: { type: 'string', default: '10' },
			connections: { type: 'string', default: '100' },
			backends: { type: 'string', default: BACKENDS.join(',') },
			scenario: { type: 'string', default: 'registry' },
			routes: { type: 'string' },
			warmup: { type: 'string', default: '2' },
			houses: { type: 'string', default: '2000' },
			residents: { type: 'string', default: '10000' },
			profile: { type: 'boolean', default: false },
			'data-dir': { type: 'string' }
		}
	});
	const scenario = values.scenario;
	if (!(scenario in SCENARIOS)) fail(`unknown scenario "${scenario}"`);
	const backends = values.backends.split(',').map((b) => b.trim()).filter(Boolean);
	for (const b of backends) if (!BACKENDS.includes(b as Backend)) fail(`unknown backend "${b}"`);
	if (backends.length === 0) fail('--backends is empty');
	if (values['data-dir'] !== undefined && backends.join(',') !== 'pglite') fail('--data-dir needs --backends pglite');
	const routes = values.routes !== undefined ? values.routes.split(',').map((r) => r.trim()).filter(Boolean) : SCENARIOS[scenario]!;
	// `phone@/path`: the route measured as that demo user.
	for (const r of routes) if (!/^(\d{8,15}@)?\//.test(r)) fail(`route "${r}" must start with / (or phone@/)`);
	if (routes.length === 0) {
		console.error(
			`Scenario "${scenario}" has no routes yet (they come with its issue). Add them to SCENARIOS in bench/http.ts, or pass --routes /a,/b.`
		);
		process.exit(2);
	}
	return {
		scenario,
		routes,
		routesOverridden: values.routes !== undefined,
		backends: [...new Set(backends)] as Backend[],
		durationS: int('duration', 1, 600),
		warmupS: int('warmup', 0, 60),
		connections: int('connections', 1, 1000),
		houses: int('houses', 1, 1_000_000),
		residents: int('residents', 1, 1_000_000),
		profile: values.profile,
		/** A DATA_DIR already seeded by seed-scale (PGlite only): measured as it is, kept afterwards. */
		dataDir: values['data-dir'] ?? null
	};
}

type Options = ReturnType<typeof parseOptions>;

interface RouteRun {
	route: string;
	result: LoadResult | null;
	error: string | null;
	/** The measured run, in µs of CLOCK_MONOTONIC (that of a V8 CPU profile). */
	window?: { fromUs: number; toUs: number };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

interface BackendRun {
	backend: Backend;
	/** Why the backend was not measured when it could not be had (not an error). */
	unavailable: string | null;
	/** A failure of the backend's setup (seed, start, login): an error. */
	error: string | null;
	baseline: RouteRun | null;
	signedInBaseline: RouteRun | null;
	routes: RouteRun[];
	notes: string[];
	/** The app process's RSS, MB: logged in and idle before the load; after the last route. */
	rssMb: { atRest: number | null; afterLoad: number | null };
	/** dues (iuran): seed-scale's own timings of the history and of this month's generation. */
	seedMs?: { duesHistory: number; duesGenerate: number };
}

/** Clean-up steps of whatever is running, undone on exit and on Ctrl+C. */
const cleanups = new Set<() => Promise<unknown>>();
async function cleanUp() {
	for (const step of [...cleanups].reverse()) {
		cleanups.delete(step);
		await step().catch((err: unknown) => console.error('clean-up failed:', err));
	}
}
// Ctrl+C reaches this process twice under tsx (from the terminal and relayed by the
// tsx parent): keep handling it, so a second signal cannot cut the clean-up short.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (interrupted) return;
		interrupted = true;
		console.error(`\n${signal}: stopping the app and the database…`);
		void cleanUp().finally(() => process.exit(130));
	});
}

/** What makes a run's figures unusable ('' when nothing). A warm-up may end before any response. */
function describe(result: LoadResult, durationS: number, warmUp = false): string {
	const codes = Object.entries(result.statusCodes)
		.filter(([code]) => !code.startsWith('2'))
		.map(([code, n]) => `${n}× ${code}`)
		.join(', ');
	const parts: string[] = [];
	if (result.non2xx > 0) parts.push(`${result.non2xx} non-2xx responses (${codes})`);
	if (result.timeouts > 0) parts.push(`${result.timeouts} requests unanswered after ${REQUEST_TIMEOUT_S} s (timeouts)`);
	if (result.errors > result.timeouts) parts.push(`${result.errors - result.timeouts} connection errors`);
	if (result.responses2xx === 0 && result.non2xx === 0 && result.errors === 0) {
		if (warmUp) return '';
		parts.push(`no response completed within the ${durationS} s run (${result.requestsSent} requests sent): the route is too slow for this many connections; try a longer --duration`);
	} else if (result.responses2xx === 0) parts.push('no 2xx response');
	if (parts.length > 0 && result.responses2xx > 0) {
		// For diagnosis only: without the failed requests these figures flatter the route.
		parts.push(
			`2xx alone: ${result.responses2xx} responses, ${result.reqPerS.toFixed(0)} req/s, p50 ${result.p50Ms?.toFixed(0)} ms, p95 ${result.p95Ms?.toFixed(0)} ms, other CPU ${result.otherCpuPct?.toFixed(0) ?? '?'} %`
		);
	}
	return parts.join('; ');
}

async function measureRoute(...args: Parameters<typeof measureRouteOnce>): Promise<RouteRun> {
	const measured = await measureRouteOnce(...args);
	const r = measured.result;
	if (r) {
		console.log(
			`  ${measured.route}: ${r.reqPerS.toFixed(0)} req/s, p50 ${r.p50Ms?.toFixed(1)} ms, p95 ${r.p95Ms?.toFixed(1)} ms, generator CPU ${r.generatorCpuPct.toFixed(0)} %`
		);
	} else console.log(`  ${measured.route}: ERROR ${measured.error}`);
	return measured;
}

async function measureRouteOnce(app: BenchApp, route: string, headers: Record<string, string>, opts: Options, dbPid: number | null): Promise<RouteRun> {
	const status = await probe(app.url, route, headers);
	if (status < 200 || status > 299) {
		// A server error is logged by the app (handleError): show its first lines.
		const marker = `[GET ${route.split('?')[0]}]`;
		const output = app.output();
		const logged = status >= 500 && output.includes(marker) ? output.slice(output.lastIndexOf(marker) + marker.length).trim().split('\n').slice(0, 3).join(' | ') : '';
		return { route, result: null, error: `GET ${route} answered ${status}${logged ? ` — app log: ${logged.slice(0, 300)}` : ''}` };
	}
	const load = (durationS: number) =>
		runLoad({ url: app.url + route, connections: opts.connections, durationS, headers, appPid: app.pid, dbPid });
	// Autocannon abandons the requests in flight when a run ends, but the app still
	// serves them; one more request, answered after those, lets it drain first.
	const drain = () => probe(app.url, route, headers, 120_000);
	if (opts.warmupS > 0) {
		const warm = await load(opts.warmupS);
		await drain();
		const problem = describe(warm, opts.warmupS, true);
		if (problem) return { route, result: null, error: `warm-up: ${problem}` };
	}
	const fromUs = monotonicUs();
	const result = await load(opts.durationS);
	const window = { fromUs, toUs: monotonicUs() };
	await drain();
	const problem = describe(result, opts.durationS);
	if (problem) return { route, result: null, error: problem };
	return { route, result, error: null, window };
}

/** seed-scale into the run's fresh DATA_DIR (dues: with five years of history), with its timings. */
async function seedScale(out: BackendRun, env: Record<string, string>, opts: Options) {
	const seedStarted = Date.now();
	// dues (iuran): five years of history behind the dues pages.
	const duesArgs = opts.scenario === 'dues' ? ['--dues-months', '60'] : [];
	const seed = await run('npx', ['tsx', 'scripts/seed-scale.ts', '--houses', String(opts.houses), '--residents', String(opts.residents), ...duesArgs], {
		cwd: ROOT,
		env: appEnv(env),
		// Five years of dues history is the longest seed; on a shared 2-core machine it took ~10 minutes.
		timeoutMs: opts.scenario === 'dues' ? 1_200_000 : 300_000
	});
	if (seed.code !== 0) throw new Error(`seed-scale failed (${seed.code}):\n${seed.stdout}${seed.stderr}`);
	const summary = seed.stdout.trim().split('\n').at(-1) ?? '';
	console.log(`  seed: ${summary} [${((Date.now() - seedStarted) / 1000).toFixed(1)} s with npx]`);
	// dues (iuran): the history's seed and this month's generation, timed by seed-scale.
	const dues = /history in (\d+) ms.*generated in (\d+) ms/.exec(seed.stdout);
	if (dues) {
		console.log(`  ${seed.stdout.split('\n').find((l) => l.startsWith('dues:'))}`);
		out.seedMs = { duesHistory: Number(dues[1]), duesGenerate: Number(dues[2]) };
	}
}

async function runBackend(backend: Backend, opts: Options): Promise<BackendRun> {
	const out: BackendRun = { backend, unavailable: null, error: null, baseline: null, signedInBaseline: null, routes: [], notes: [], rssMb: { atRest: null, afterLoad: null } };
	console.log(`\n== ${backend} ==`);
	const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-')));
	const removeDataDir = opts.dataDir ? async () => {} : () => rm(dataDir, { recursive: true, force: true });
	cleanups.add(removeDataDir);
	let pg: ThrowawayPostgres | null = null;
	let app: BenchApp | null = null;
	try {
		const env: Record<string, string> = { DATA_DIR: dataDir };
		if (backend === 'postgres') {
			try {
				pg = await startPostgres();
			} catch (err) {
				if (!(err instanceof PostgresUnavailable)) throw err;
				out.unavailable = err.message;
				console.log(`  PostgreSQL unavailable: ${err.message}`);
				return out;
			}
			cleanups.add(pg.stop);
			console.log(`  PostgreSQL ${pg.version} on ${new URL(pg.url).host}`);
			env.DATABASE_URL = pg.url;
			env.SEED_DEMO = '1';
		}

		if (!opts.dataDir) await seedScale(out, env, opts);
		else console.log(`  seed: the seeded ${dataDir} as it is (--data-dir)`);

		const profileDir = opts.profile ? await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-profile-')) : null;
		app = await startApp(env, undefined, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=250'] : []);
		const stopApp = app.stop;
		cleanups.add(stopApp);
		console.log(`  app on ${app.url} (pid ${app.pid})`);
		const cookie = await login(app.url, opts.scenario === 'dues' ? TREASURER_PHONE : ADMIN_PHONE, process.env.DEMO_PASSWORD || 'rukun-demo');
		const headers = { cookie, accept: 'text/html' };
		const dbPid = pg?.pid ?? null;

		out.rssMb.atRest = processRssMb(app.pid);
		out.baseline = await measureRoute(app, BASELINE, { accept: 'text/html' }, opts, dbPid);
		out.signedInBaseline = { ...(await measureRoute(app, BASELINE, headers, opts, dbPid)), route: SIGNED_IN_BASELINE };
		for (const route of opts.routes) {
			// `phone@/path`: measured as that demo user (dues: the resident's own page).
			const [as, path] = route.includes('@') ? route.split('@') as [string, string] : [null, route];
			const own = as ? { cookie: await login(app.url, as, process.env.DEMO_PASSWORD || 'rukun-demo'), accept: 'text/html' } : headers;
			out.routes.push({ ...(await measureRoute(app, path, own, opts, dbPid)), route });
		}
		out.rssMb.afterLoad = processRssMb(app.pid);
		console.log(`  app RSS: ${round(out.rssMb.atRest, 0)} MB at rest, ${round(out.rssMb.afterLoad, 0)} MB after the load`);

		const code = await app.stop();
		cleanups.delete(stopApp);
		if (code !== 0) out.notes.push(`the app exited with ${code} on SIGTERM`);
		app = null;
		if (profileDir) await printProfiles(profileDir, [out.baseline, out.signedInBaseline, ...out.routes]);
	} catch (err) {
		out.error = err instanceof Error ? err.message : String(err);
		console.log(`  ERROR: ${out.error}`);
	} finally {
		if (app) {
			await app.stop();
			cleanups.delete(app.stop);
		}
		if (pg) {
			await pg.stop();
			cleanups.delete(pg.stop);
		}
		await removeDataDir();
		cleanups.delete(removeDataDir);
	}
	return out;
}

interface Row {
	backend: Backend;
	route: string;
	isBaseline: boolean;
	result: LoadResult | null;
	/** Against the empty page (the target). */
	ratio: number | null;
	p95Ratio: number | null;
	/** Against the signed-in empty page (context). */
	signedInRatio: number | null;
	signedInP95Ratio: number | null;
	error: string | null;
}

/**
 * The app's CPU time per answered request, ms (main thread and database worker): on a
 * shared machine steadier than req/s, which the other processes' share of the cores moves.
 */
const cpuMsPerRequest = (r: LoadResult | null) => (r?.appCpuPct != null && r.responses2xx > 0 ? (r.appCpuPct / 100) * r.wallS * 1000 / r.responses2xx : null);
const ratioOf = (result: LoadResult | null, base: LoadResult | null) => (result && base ? result.reqPerS / base.reqPerS : null);
const p95RatioOf = (result: LoadResult | null, base: LoadResult | null) => (result?.p95Ms != null && base?.p95Ms ? result.p95Ms / base.p95Ms : null);

/** The main thread's profile (thread id 0 in the file name), summarised per measured window. */
async function printProfiles(dir: string, runs: (RouteRun | null)[]) {
	const main = (await readdir(dir)).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
	if (!main) {
		console.log(`  no main-thread profile in ${dir}`);
		return;
	}
	const file = path.join(dir, main);
	const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
	console.log(`\n  CPU profile of the app's main thread: ${file}`);
	for (const run of runs) {
		if (!run?.window) continue;
		const s = summarise(profile, 20, run.window);
		const line = (e: { name: string; ms: number; pct: number }) => `      ${e.pct.toFixed(1).padStart(5)} %  ${e.name}`;
		console.log(`\n    ${run.route} (${s.totalMs.toFixed(0)} ms sampled), self time by area:`);
		console.log(s.byArea.slice(0, 15).map(line).join('\n'));
		console.log('    by function:');
		console.log(s.byFunction.map(line).join('\n'));
	}
}

/** The two baselines, then the routes. */
function rowsOf(run: BackendRun, opts: Options): Row[] {
	const base = run.baseline?.result ?? null;
	const signedIn = run.signedInBaseline?.result ?? null;
	const baseError = run.unavailable ?? run.error ?? run.baseline?.error ?? null;
	const row = (r: RouteRun | null | undefined, route: string, isBaseline: boolean): Row => {
		const result = r?.result ?? null;
		const error = r?.error ?? (isBaseline || !r ? baseError : null);
		return {
			backend: run.backend,
			route,
			isBaseline,
			result,
			ratio: ratioOf(result, base),
			p95Ratio: p95RatioOf(result, base),
			signedInRatio: ratioOf(result, signedIn),
			signedInP95Ratio: p95RatioOf(result, signedIn),
			error
		};
	};
	return [
		row(run.baseline, BASELINE, true),
		row(run.signedInBaseline, SIGNED_IN_BASELINE, true),
		...opts.routes.map((route, i) => row(run.routes[i], route, false))
	];
}

function metricsOf(runs: BackendRun[], opts: Options): Metrics {
	const metrics: Metrics = { connections: opts.connections };
	const byBackend = new Map(runs.map((r) => [r.backend, r]));
	for (const backend of BACKENDS) {
		const rss = byBackend.get(backend)?.rssMb;
		const prefix = backend === 'pglite' ? '' : `${backend} `;
		metrics[`${prefix}app_rss_mb`] = round(rss?.afterLoad, 0);
		metrics[`${prefix}app_rss_at_rest_mb`] = round(rss?.atRest, 0);
		if (opts.scenario === 'dues') {
			const seedMs = byBackend.get(backend)?.seedMs;
			metrics[`${prefix}seed_dues_history_ms`] = seedMs?.duesHistory ?? null;
			metrics[`${prefix}dues_generate_month_ms`] = seedMs?.duesGenerate ?? null;
		}
	}
	// Baselines first: the top-level ones are PGlite's, PostgreSQL's are prefixed.
	for (const backend of BACKENDS) {
		for (const [name, pick] of [
			['baseline', (r: BackendRun) => r.baseline],
			['signed_in_baseline', (r: BackendRun) => r.signedInBaseline]
		] as const) {
			const run = byBackend.get(backend);
			const base = (run && pick(run)?.result) ?? null;
			const prefix = backend === 'pglite' ? name : `${backend} ${name}`;
			metrics[`${prefix} req_per_s`] = round(base?.reqPerS, 1);
			metrics[`${prefix} p50_ms`] = round(base?.p50Ms, 2);
			metrics[`${prefix} p95_ms`] = round(base?.p95Ms, 2);
			metrics[`${prefix} generator_cpu_pct`] = round(base?.generatorCpuPct, 1);
			metrics[`${prefix} app_cpu_pct`] = round(base?.appCpuPct, 1);
			metrics[`${prefix} app_cpu_ms_per_req`] = round(cpuMsPerRequest(base), 2);
			metrics[`${prefix} other_cpu_pct`] = round(base?.otherCpuPct, 1);
			if (backend === 'postgres') metrics[`${prefix} db_cpu_pct`] = round(base?.dbCpuPct, 1);
		}
	}
	let allMet: boolean | null = null;
	for (const backend of BACKENDS) {
		const backendRun = byBackend.get(backend);
		const rows = backendRun
			? rowsOf(backendRun, opts).filter((r) => !r.isBaseline)
			: opts.routes.map((route) => ({ route, result: null, ratio: null, p95Ratio: null, signedInRatio: null, signedInP95Ratio: null }));
		for (const row of rows) {
			const key = `${backend} ${row.route}`;
			metrics[`${key} req_per_s`] = round(row.result?.reqPerS, 1);
			metrics[`${key} p50_ms`] = round(row.result?.p50Ms, 2);
			metrics[`${key} p95_ms`] = round(row.result?.p95Ms, 2);
			metrics[`${key} ratio_vs_baseline`] = round(row.ratio, 3);
			metrics[`${key} p95_vs_baseline`] = round(row.p95Ratio, 3);
			metrics[`${key} ratio_vs_signed_in_baseline`] = round(row.signedInRatio, 3);
			metrics[`${key} p95_vs_signed_in_baseline`] = round(row.signedInP95Ratio, 3);
			// 1 when the route meets the target (ratio ≥ TARGET_RATIO and p95 ≤ TARGET_P95 × the baseline's), 0 when not, null unmeasured.
			const met = targetMet(row);
			metrics[`${key} target_met`] = met === null ? null : Number(met);
			if (met !== null) allMet = (allMet ?? true) && met;
			metrics[`${key} generator_cpu_pct`] = round(row.result?.generatorCpuPct, 1);
			metrics[`${key} app_cpu_pct`] = round(row.result?.appCpuPct, 1);
			metrics[`${key} app_cpu_ms_per_req`] = round(cpuMsPerRequest(row.result), 2);
			metrics[`${key} other_cpu_pct`] = round(row.result?.otherCpuPct, 1);
			if (backend === 'postgres') metrics[`${key} db_cpu_pct`] = round(row.result?.dbCpuPct, 1);
		}
	}
	metrics.targets_met = allMet === null ? null : Number(allMet);
	return metrics;
}

/** Whether a measured route meets the target against the empty page; null when either was not measured. */
function targetMet(row: { ratio: number | null; p95Ratio: number | null }): boolean | null {
	return row.ratio === null || row.p95Ratio === null ? null : row.ratio >= TARGET_RATIO && row.p95Ratio <= TARGET_P95;
}

/** A multi-line message (e.g. with the app's output) as its first and last lines. */
function firstAndLast(message: string): string {
	const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
	return lines.length <= 1 ? (lines[0] ?? '') : `${lines[0]} … ${lines.at(-1)}`;
}

function printTable(runs: BackendRun[], opts: Options) {
	const header = ['backend', 'route', 'req/s', 'p50 ms', 'p95 ms', 'ratio', 'p95/base', 'target', 'signed-in ratio', 'p95/signed-in', 'non-2xx', 'gen CPU %', 'app CPU %', 'app CPU ms/req', 'db CPU %', 'other CPU %'];
	const rows: (string | number | null)[][] = [];
	const errors: string[] = [];
	const disturbed: string[] = [];
	for (const backendRun of runs) {
		for (const row of rowsOf(backendRun, opts)) {
			const r = row.result;
			const isBaseline = row.isBaseline;
			const target = isBaseline || row.ratio === null || row.p95Ratio === null ? (backendRun.unavailable ? 'n/a' : row.error ? 'ERROR' : '—') : targetMet(row) ? 'PASS' : 'FAIL';
			rows.push([
				row.backend,
				row.route,
				round(r?.reqPerS, 0),
				round(r?.p50Ms, 1),
				round(r?.p95Ms, 1),
				round(row.ratio, 2),
				round(row.p95Ratio, 2),
				target,
				round(row.signedInRatio, 2),
				round(row.signedInP95Ratio, 2),
				r ? r.non2xx : null,
				round(r?.generatorCpuPct, 0),
				round(r?.appCpuPct, 0),
				round(cpuMsPerRequest(r), 1),
				round(r?.dbCpuPct, 0),
				round(r?.otherCpuPct, 0)
			]);
			if (r?.otherCpuPct != null && r.otherCpuPct > OTHER_CPU_WARNING) disturbed.push(`${row.backend} ${row.route} (${r.otherCpuPct.toFixed(0)} %)`);
			if (row.result === null && row.error && !backendRun.unavailable && row.error !== backendRun.error) errors.push(`${row.backend} ${row.route}: ${row.error}`);
		}
		if (backendRun.error) errors.push(`${backendRun.backend}: ${backendRun.error}`);
	}
	console.log(
		`\nhttp-${opts.scenario}: ${opts.connections} connections, ${opts.durationS} s per route after ${opts.warmupS} s warm-up; ` +
			`${opts.houses} houses, ${opts.residents} residents; ${os.cpus().length} CPUs, Node ${process.version}`
	);
	console.log(
		`target per route: ratio (req/s ÷ baseline req/s) ≥ ${TARGET_RATIO} and p95 ÷ baseline p95 ≤ ${TARGET_P95} (informational); ` +
			`baseline: ${BASELINE} without a session; signed-in columns: against ${SIGNED_IN_BASELINE}\n`
	);
	console.log(formatTable(header, rows));
	for (const backendRun of runs) {
		if (backendRun.unavailable) console.log(`\n${backendRun.backend}: not measured (metrics null): ${backendRun.unavailable}`);
		for (const note of backendRun.notes) console.log(`\n${backendRun.backend}: note: ${note}`);
	}
	if (disturbed.length > 0) {
		console.log(
			`\nWARNING: other processes used the CPUs during ${disturbed.join(', ')} (% of one core; ${os.cpus().length} CPUs). ` +
				'These figures are disturbed: rerun on a quiet machine.'
		);
	}
	if (errors.length > 0) console.log(`\nErrors (figures null):\n${errors.map((e) => `  ${firstAndLast(e)}`).join('\n')}`);
}

async function main() {
	const opts = parseOptions();
	if (opts.routesOverridden) console.log(`Routes from --routes instead of scenario "${opts.scenario}": ${opts.routes.join(', ')}`);
	await ensureBuild();
	const runs: BackendRun[] = [];
	for (const backend of opts.backends) runs.push(await runBackend(backend, opts));

	printTable(runs, opts);
	const params = {
		connections: opts.connections,
		duration_s: opts.durationS,
		houses: opts.houses,
		residents: opts.residents,
		backends: opts.backends,
		routes: opts.routes
	};
	if (opts.profile) console.log('\n--profile: the app ran under the profiler, so bench/results/ is not written.');
	else if (opts.dataDir) console.log('\n--data-dir: measured on a DATA_DIR seeded beforehand (no seed timings), so bench/results/ is not written.');
	else {
		const file = await writeResults(`http-${opts.scenario}`, params, metricsOf(runs, opts));
		console.log(`\nWrote ${path.relative(process.cwd(), file)}`);
	}

	const failed = runs.some((r) => r.error || r.baseline?.error || r.signedInBaseline?.error || r.routes.some((route) => route.error));
	if (failed) process.exitCode = 1;
}

try {
	await main();
} catch (err) {
	console.error(err);
	process.exitCode = 1;
} finally {
	await cleanUp();
}
