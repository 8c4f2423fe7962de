// `npm run bench:memory [-- --residents 10000 --sensors 200 --duration 60 --variants shipped,no-flags --breakdown --data DIR]`
//
// The app's resident memory as a deployment sees it: the built app (`npm start`'s
// node flags, scripts/start.js) on a data directory grown to --residents registry
// residents (`seed:scale`) with --sensors registered sensors, each reporting once a
// simulated minute through firmware-sim at --speed 60 (one reading per sensor per
// second), for --duration real seconds. RSS of the app process (VmRSS: main thread,
// PGlite worker, WASM heap) is sampled every second.
//   baseline: the same app at rest (started, /healthz answered, 5 s idle)
//   each variant: `shipped` (npm start's node flags and environment) and `no-flags` (plain node), same data
// Prints a table and writes bench/results/memory.json (app_rss_mb = shipped, after
// the reporting window; target < 300 MB).
//   --breakdown: the app also runs with the inspector on loopback; at rest and after
//     the window, each thread's V8 heap and the process's WASM/file/other memory are
//     printed (bench/memory/breakdown.ts). No JSON is written (the inspector costs memory).
//   --node-flags '--a --b': more node flags for every variant (experiments; no JSON is written).
//   --start-env 'NAME=value …': the `shipped` variant's environment instead of npm start's
//     (experiments, e.g. '' for none or another MALLOC_TRIM_THRESHOLD_; no JSON is written).
//   --data DIR: the data directory is kept in DIR and reused when it is there already
//     (seeding 10,000 residents takes minutes); by default a temporary one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serverEnv, serverNodeFlags, startEnv } from '../scripts/node-flags';
import { appEnv, ensureBuild, ROOT, startApp, type BenchApp } from './lib/app';
import { machineBusySeconds, processRssMb, run } from './lib/proc';
import { formatTable, round, writeResults, type Metrics } from './lib/report';
import { benchArgs } from './lib/args';
import { inspectorUrl, mappingsMemory, threadMemory } from './memory/breakdown';

const TARGET_MB = 300;
const METRICS_TOKEN = 'bench-memory-metrics-token-0123456789abcdef';

const USAGE = `usage: npm run bench:memory -- [--residents N] [--sensors N] [--duration S] [--variants shipped,no-flags]
       [--breakdown] [--data DIR] [--node-flags '…'] [--start-env 'NAME=value …']`;

function options() {
	const { values, int, fail } = benchArgs(USAGE, {
		options: {
			residents: { type: 'string', default: '10000' },
			sensors: { type: 'string', default: '200' },
			duration: { type: 'string', default: '60' },
			variants: { type: 'string', default: 'shipped,no-flags' },
			breakdown: { type: 'boolean', default: false },
			'node-flags': { type: 'string', default: '' },
			'start-env': { type: 'string' },
			data: { type: 'string' }
		}
	});
	const variants = values.variants.split(',').map((v) => v.trim());
	for (const v of variants) {
		if (v !== 'shipped' && v !== 'no-flags') fail(`unknown variant ${v} (shipped, no-flags)`);
	}
	return {
		residents: int('residents', 0, 200_000),
		sensors: int('sensors', 0, 2000),
		durationS: int('duration', 5, 600),
		variants: variants as ('shipped' | 'no-flags')[],
		breakdown: values.breakdown,
		extraFlags: values['node-flags'].split(/\s+/).filter(Boolean),
		startEnv: values['start-env'] === undefined ? null : startEnv(`${values['start-env']} node x`),
		data: values.data ? path.resolve(values.data) : null
	};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Readings stored so far, from the app's own counter on /metrics. */
async function storedReadings(app: BenchApp): Promise<number | null> {
	const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
	if (!res.ok) return null;
	const match = /^rukun_mqtt_messages_accepted_total\s+(\d+)/m.exec(await res.text());
	return match ? Number(match[1]) : null;
}

interface VariantResult {
	name: string;
	atRest: number;
	peak: number;
	after: number;
	readingsPerS: number | null;
}

async function measure(name: 'shipped' | 'no-flags', dataDir: string, devicesFile: string, o: ReturnType<typeof options>): Promise<VariantResult> {
	const flags = name === 'shipped' ? serverNodeFlags() : [];
	const env = name === 'shipped' ? (o.startEnv ?? serverEnv()) : {};
	const app = await startApp({ DATA_DIR: dataDir, METRICS_TOKEN }, 300_000, [...o.extraFlags, ...(o.breakdown ? ['--inspect=127.0.0.1:0'] : [])], flags, env);
	try {
		const mqtt = /MQTT \(TCP\):\s+mqtt:\/\/\S+:(\d+)/.exec(app.output());
		if (!mqtt) throw new Error(`no MQTT port in the banner:\n${app.output()}`);
		await sleep(5000);
		const atRest = processRssMb(app.pid)!;
		if (o.breakdown) await printBreakdown(`${name}, at rest`, app);
		let peak = atRest;
		const before = await storedReadings(app);
		const sim = spawn(
			process.execPath,
			['--import', 'tsx', 'firmware-sim/cli.ts', '--devices', devicesFile, '--url', `mqtt://127.0.0.1:${mqtt[1]}`, '--speed', '60', '--scenario', 'calm', '--status', '3600'],
			{ cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] }
		);
		let simErr = '';
		sim.stderr.on('data', (c: Buffer) => (simErr += c.toString()));
		const t0 = performance.now();
		for (let s = 0; s < o.durationS; s++) {
			await sleep(1000);
			if (sim.exitCode !== null) throw new Error(`firmware-sim exited early (${sim.exitCode}):\n${simErr}`);
			peak = Math.max(peak, processRssMb(app.pid) ?? 0);
		}
		const after = processRssMb(app.pid)!;
		if (o.breakdown) await printBreakdown(`${name}, after ${o.durationS} s reporting`, app);
		const stored = await storedReadings(app);
		const seconds = (performance.now() - t0) / 1000;
		sim.kill('SIGTERM');
		await new Promise((r) => sim.once('exit', r));
		return { name, atRest, peak: Math.max(peak, after), after, readingsPerS: stored !== null && before !== null ? (stored - before) / seconds : null };
	} finally {
		await app.stop();
	}
}

/** A first start creates the data directory (initdb, migrations, demo RW); seed:scale grows it, and the sensors are registered. */
async function prepare(dataDir: string, devicesFile: string, env: NodeJS.ProcessEnv, o: ReturnType<typeof options>): Promise<void> {
	const first = await startApp({ DATA_DIR: dataDir });
	await first.stop();
	const houses = String(Math.max(100, Math.ceil(o.residents / 5)));
	const seeded = await run(process.execPath, ['--import', 'tsx', 'scripts/seed-scale.ts', '--residents', String(o.residents), '--houses', houses], { cwd: ROOT, env, timeoutMs: 600_000 });
	if (seeded.code !== 0) throw new Error(`seed:scale failed:\n${seeded.stdout}${seeded.stderr}`);
	const registered = await run(process.execPath, ['--import', 'tsx', 'bench/memory/register-sensors.ts', String(o.sensors), devicesFile], { cwd: ROOT, env, timeoutMs: 120_000 });
	if (registered.code !== 0) throw new Error(`registering sensors failed:\n${registered.stdout}${registered.stderr}`);
}

async function printBreakdown(title: string, app: BenchApp): Promise<void> {
	const url = inspectorUrl(app.output());
	if (!url) throw new Error(`no inspector URL in the app's output:\n${app.output()}`);
	const threads = await threadMemory(url);
	const maps = mappingsMemory(app.pid);
	const spaces = ['new_space', 'old_space', 'code_space', 'large_object_space', 'new_large_object_space'];
	console.log(
		`\n${title}: RSS ${maps.rssMb} MB = WASM ${maps.wasmMb.join(' + ') || 0} MB, malloc ${maps.mallocMb} MB, files ${maps.filesMb} MB, V8 heaps/code/stacks ${maps.otherMb} MB\n` +
			formatTable(
				['thread', 'heap MB', 'used MB', ...spaces.map((s) => s.replace('_space', '')), 'external MB', 'limit MB'],
				threads.map((t) => [t.thread, t.heapCommittedMb, t.heapUsedMb, ...spaces.map((s) => t.spaces[s] ?? null), t.externalMb, t.limitMb])
			)
	);
}

async function main() {
	const o = options();
	const started = performance.now();
	console.log(`memory: ${o.residents} residents, ${o.sensors} sensors at one reading per second each, ${o.durationS} s per variant; ${os.cpus().length} CPUs, node ${process.version}`);
	await ensureBuild();
	const dataDir = o.data ?? (await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-memory-')));
	const devicesFile = path.join(dataDir, 'devices.json');
	try {
		const env = appEnv({ DATA_DIR: dataDir });
		if (!existsSync(devicesFile)) await prepare(dataDir, devicesFile, env, o);
		else console.log(`reusing ${dataDir}`);

		const busy0 = machineBusySeconds();
		const results: VariantResult[] = [];
		for (const variant of o.variants) {
			const r = await measure(variant, dataDir, devicesFile, o);
			console.log(`${variant}: ${r.atRest.toFixed(0)} MB at rest, ${r.after.toFixed(0)} MB after ${o.durationS} s of ${r.readingsPerS?.toFixed(0) ?? '?'} readings/s (peak ${r.peak.toFixed(0)} MB)`);
			results.push(r);
		}
		const busy = busy0 !== null ? (machineBusySeconds()! - busy0) / ((performance.now() - started) / 1000) : null;

		console.log(
			'\n' +
				formatTable(
					['variant', 'at rest MB', 'reporting MB', 'peak MB', 'readings/s', 'vs at rest'],
					results.map((r) => [r.name, round(r.atRest, 0), round(r.after, 0), round(r.peak, 0), round(r.readingsPerS, 0), round(r.after / r.atRest, 2)])
				)
		);
		const shipped = results.find((r) => r.name === 'shipped');
		const plain = results.find((r) => r.name === 'no-flags');
		const metrics: Metrics = {
			app_rss_mb: round(shipped?.after, 0),
			app_rss_at_rest_mb: round(shipped?.atRest, 0),
			app_rss_peak_mb: round(shipped?.peak, 0),
			app_rss_no_flags_mb: round(plain?.after, 0),
			app_rss_no_flags_at_rest_mb: round(plain?.atRest, 0),
			readings_per_s: round(shipped?.readingsPerS ?? plain?.readingsPerS, 0),
			machine_busy_cores: round(busy, 2)
		};
		if (shipped) console.log(`\ntarget < ${TARGET_MB} MB with ${o.residents} residents and ${o.sensors} sensors reporting: ${shipped.after < TARGET_MB ? 'PASS' : 'FAIL'} (${shipped.after.toFixed(0)} MB)`);
		if (busy !== null && busy > 1.2) console.log(`note: the machine averaged ${busy.toFixed(2)} busy cores during the run (other work): RSS figures are little affected, rates are.`);
		if (o.breakdown || o.extraFlags.length > 0 || o.startEnv) {
			console.log('\n--breakdown, --node-flags or --start-env: not the shipped configuration, no JSON written');
			return;
		}
		const file = await writeResults('memory', { residents: o.residents, sensors: o.sensors, duration_s: o.durationS, variants: o.variants }, metrics);
		console.log(`\nwrote ${path.relative(ROOT, file)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
	} finally {
		if (!o.data) await rm(dataDir, { recursive: true, force: true });
	}
}

main().catch((err: unknown) => {
	console.error(err);
	process.exit(1);
});
