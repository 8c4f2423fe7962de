// `--profile`: a V8 CPU profile of this process (broker + ingest + PGlite) over the
// full-path measured window, saved as a .cpuprofile (open it in Chrome DevTools) and
// summarised as self time by area and by function.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

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
