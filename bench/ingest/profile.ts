// `--profile`: a V8 CPU profile of this process (broker + ingest + PGlite) over the
// full-path measured window, saved as a .cpuprofile (open it in Chrome DevTools) and
// summarised as self time by area and by function.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}
export interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export class Profiler {
	private session = new Session();

	async start(): Promise<void> {
		this.session.connect();
		await this.session.post('Profiler.enable');
		await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
		await this.session.post('Profiler.start');
	}

	async stop(file: string): Promise<CpuProfile> {
		const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
		await this.session.post('Profiler.disable');
		this.session.disconnect();
		await writeFile(file, JSON.stringify(profile));
		return profile;
	}
}

/** Where a frame's code lives, coarsely. */
function area(frame: ProfileNode['callFrame']): string {
	const { url, functionName } = frame;
	if (functionName === '(garbage collector)') return 'GC';
	if (functionName === '(idle)') return 'idle';
	if (functionName === '(program)') return 'program (native, unattributed)';
	if (url.startsWith('wasm://')) return 'PGlite WASM (Postgres)';
	if (url.includes('@electric-sql/pglite')) return 'PGlite JS glue';
	if (url.includes('/node_modules/aedes') || url.includes('/node_modules/aedes-')) return 'aedes';
	if (url.includes('/node_modules/mqtt-packet') || url.includes('/node_modules/bl/')) return 'mqtt-packet';
	if (url.includes('/node_modules/zod')) return 'zod';
	if (url.includes('/node_modules/')) return `other npm (${url.split('/node_modules/').pop()!.split('/')[0]})`;
	if (url.includes('/src/lib/server/')) return `rukun ${url.split('/src/lib/server/').pop()}`;
	// The built app (bench:http --profile): adapter-node's handler, SvelteKit's server
	// runtime, and the chunks of our routes and modules.
	if (url.includes('/build/server/')) return `build ${url.split('/build/server/').pop()}`;
	if (url.includes('/build/')) return `build ${url.split('/build/').pop()}`;
	if (url.includes('/bench/')) return 'bench';
	if (url.startsWith('node:') || url === '') return functionName ? 'node internals / builtins' : 'native';
	return 'other';
}

export interface ProfileSummary {
	totalMs: number;
	byArea: { name: string; ms: number; pct: number }[];
	byFunction: { name: string; ms: number; pct: number }[];
}

/**
 * Self time per area and per function (top `top`), of the samples taken inside
 * `window` (µs on the profile's clock, CLOCK_MONOTONIC as `process.hrtime`) when given.
 */
export function summarise(profile: CpuProfile, top = 25, window?: { fromUs: number; toUs: number }): ProfileSummary {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const selfUs = new Map<number, number>();
	let at = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		const id = profile.samples[i]!;
		const delta = profile.timeDeltas[i] ?? 0;
		at += delta;
		if (window && (at < window.fromUs || at > window.toUs)) continue;
		selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
	}
	const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
	const areas = new Map<string, number>();
	const funcs = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const frame = byId.get(id)!.callFrame;
		const a = area(frame);
		areas.set(a, (areas.get(a) ?? 0) + us);
		const file = frame.url.split('/').slice(-2).join('/');
		const name = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
		funcs.set(name, (funcs.get(name) ?? 0) + us);
	}
	const rank = (m: Map<string, number>, n: number) =>
		[...m.entries()]
			.sort((a, b) => b[1] - a[1])
			.slice(0, n)
			.map(([name, us]) => ({ name, ms: us / 1000, pct: (us / total) * 100 }));
	return { totalMs: total / 1000, byArea: rank(areas, 30), byFunction: rank(funcs, top) };
}

export interface Stall {
	/** Start, µs on the profile's clock. */
	atUs: number;
	ms: number;
	/** Self time within the stall by the deepest frame of our code (or the leaf's area), largest first. */
	top: { name: string; ms: number }[];
}

/**
 * The main thread's busy stretches: runs of consecutive samples that are not
 * `(idle)` (V8 marks the samples taken while the event loop waits for I/O), so a
 * stretch is what the loop ran without looking at its sockets. Each is attributed to
 * the deepest frame of our code (src/lib/server, bench) on the sampled stacks, else
 * the leaf's area (GC, aedes…). The `n` longest, within `window` when given.
 */
export function stalls(profile: CpuProfile, n = 15, window?: { fromUs: number; toUs: number }): Stall[] {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const label = new Map<number, string>();
	const labelOf = (id: number): string => {
		const known = label.get(id);
		if (known) return known;
		let found: string | null = null;
		for (let at: number | undefined = id; at !== undefined && !found; at = parent.get(at)) {
			const frame = byId.get(at)!.callFrame;
			if (frame.url.includes('/src/lib/server/') || frame.url.includes('/bench/')) {
				found = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
			}
		}
		const name = found ?? area(byId.get(id)!.callFrame);
		label.set(id, name);
		return name;
	};
	const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
	const all: Stall[] = [];
	let current: { atUs: number; us: number; by: Map<string, number> } | null = null;
	const close = () => {
		if (!current) return;
		const top = [...current.by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, us]) => ({ name, ms: us / 1000 }));
		all.push({ atUs: current.atUs, ms: current.us / 1000, top });
		current = null;
	};
	let at = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		const id = profile.samples[i]!;
		const delta = profile.timeDeltas[i] ?? 0;
		at += delta;
		if (window && (at < window.fromUs || at > window.toUs)) {
			close();
			continue;
		}
		if (idle.has(id)) {
			close();
			continue;
		}
		current ??= { atUs: at, us: 0, by: new Map() };
		current.us += delta;
		const name = labelOf(id);
		current.by.set(name, (current.by.get(name) ?? 0) + delta);
	}
	close();
	return all.sort((a, b) => b.ms - a.ms).slice(0, n);
}

/** Self time per area and function, the longest stalls, printed. */
export function printProfileReport(title: string, profile: CpuProfile, file: string, window?: { fromUs: number; toUs: number }): void {
	const s = summarise(profile, 25, window);
	const idle = s.byArea.find((a) => a.name === 'idle')?.ms ?? 0;
	console.log(`\n${title}: ${file} (${s.totalMs.toFixed(0)} ms sampled, busy ${(s.totalMs - idle).toFixed(0)} ms)`);
	const table = (head: string, rows: { name: string; ms: number; pct: number }[]) =>
		rows.map((r) => `  ${r.name.slice(0, 100).padEnd(100)} ${r.ms.toFixed(0).padStart(7)} ms ${r.pct.toFixed(1).padStart(5)} %`).join('\n');
	console.log(`area (self time)\n${table('area', s.byArea)}\n\nfunction (self time)\n${table('function', s.byFunction)}`);
	console.log('\nlongest stalls (busy stretches without an idle sample)');
	for (const stall of stalls(profile, 15, window)) {
		console.log(`  ${stall.ms.toFixed(1).padStart(7)} ms at +${((stall.atUs - profile.startTime) / 1000).toFixed(0)} ms: ${stall.top.map((t) => `${t.name} ${t.ms.toFixed(1)}`).join('; ')}`);
	}
	console.log('');
}

export interface LoopFigures {
	/** Event-loop delay (a 1 ms timer's lateness), ms. */
	p50: number;
	p99: number;
	max: number;
	/** Time the main thread ran tasks (event-loop utilisation's active time), ms, of `windowMs`. */
	busyMs: number;
	windowMs: number;
}

/** Starts watching this thread's event loop; the returned function stops and gives the figures. */
export function watchLoop(): () => LoopFigures {
	const delay = monitorEventLoopDelay({ resolution: 1 });
	delay.enable();
	const elu = performance.eventLoopUtilization();
	const t0 = performance.now();
	return () => {
		delay.disable();
		const used = performance.eventLoopUtilization(elu);
		const ms = (ns: number) => Math.round(ns / 1e4) / 100;
		return { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), busyMs: Math.round(used.active), windowMs: Math.round(performance.now() - t0) };
	};
}

export const formatLoop = (l: LoopFigures) =>
	`main thread: event-loop delay p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms; busy ${l.busyMs} of ${l.windowMs} ms (${((l.busyMs / l.windowMs) * 100).toFixed(0)} %)`;
