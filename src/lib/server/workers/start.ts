// Starting a worker thread from a module of the app, built or from the sources.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

/**
 * The young generation of a worker's V8 heap, MB. The app runs with
 * `--max-semi-space-size=32` for the main thread, where a sensor reading's objects
 * must die young at 80,000 readings/s (scripts/node-flags.ts). V8 flags apply to every
 * isolate, and the workers (PGlite, PostgreSQL driver, letter PDFs) do their work in
 * WASM memory or in few large buffers, not in many short-lived objects: with the
 * main thread's setting (then 64 MB) they grew young generations they did not need
 * (bench:memory: 430 MB with 200 sensors reporting, 298 MB without the flag at all).
 */
export const WORKER_YOUNG_GENERATION_MB = 16;

/** A worker's V8 heap: young generation (default WORKER_YOUNG_GENERATION_MB) and old generation limit (default V8's, from the machine's memory). */
export interface WorkerHeap {
	youngGenerationMb?: number;
	oldGenerationMb?: number;
}

let workerHeapsUnpinned = false;

/**
 * A `--max-semi-space-size` given on the command line overrides a worker's
 * `resourceLimits`. The main thread's heap was sized from it when the process
 * started; clearing the flag now lets the limits below size the workers' heaps.
 */
function unpinWorkerHeaps() {
	if (workerHeapsUnpinned) return;
	workerHeapsUnpinned = true;
	v8.setFlagsFromString('--max-semi-space-size=0');
}

/**
 * A worker thread whose main module is `moduleUrl`. In the built app the module is a
 * chunk of the server bundle (JavaScript). Run from the sources (tests, `vite dev`,
 * scripts under tsx) it is a `.ts` file: Node 20 applies no `--import` loader to a
 * worker's main module, so a two-line start registers tsx's loader in the worker
 * first, then imports the module. Such a module imports relative paths only (no
 * `$lib` alias: tsx does not know it).
 */
export function startWorker(moduleUrl: string, workerData: unknown, heap: WorkerHeap = {}): Worker {
	unpinWorkerHeaps();
	const resourceLimits = { maxYoungGenerationSizeMb: heap.youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB, ...(heap.oldGenerationMb ? { maxOldGenerationSizeMb: heap.oldGenerationMb } : {}) };
	const options = { workerData, resourceLimits };
	if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), options);
	// The package's `import` condition (index.mjs beside the `require` one that resolve() finds).
	const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
	const start = `import(${JSON.stringify(tsx)}).then((t) => (t.register ?? t.default.register)()).then(() => import(${JSON.stringify(moduleUrl)}))`;
	return new Worker(start, { eval: true, ...options });
}
