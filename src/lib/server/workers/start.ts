// Starting a worker thread from a module of the app, built or from the sources.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** Bundles of `.ts` worker modules this process has made: module URL -> bundle URL. */
const bundles = new Map<string, string>();

/**
 * The `.ts` module at `moduleUrl` and the relative imports under it as one JavaScript
 * module, in `node_modules/.cache/rukun-workers` of the
 * package it belongs to, so its package imports resolve as from the sources.
 * `import.meta.url` keeps the entry module's own URL (what `createRequire` resolves
 * from). Named by its content, so processes running the same sources share one file.
 */
function bundled(moduleUrl: string): string {
	const known = bundles.get(moduleUrl);
	if (known) return known;
	// esbuild's command (tsx's own dependency): its JavaScript API would answer a
	// synchronous call from a worker thread of its own, kept for the process's lifetime.
	const esbuild = createRequire(createRequire(moduleUrl).resolve('tsx')).resolve('esbuild/bin/esbuild');
	const entry = fileURLToPath(moduleUrl);
	const out = execFileSync(esbuild, [entry, '--bundle', '--format=esm', '--platform=node', '--target=node20', '--packages=external', `--define:import.meta.url=${JSON.stringify(moduleUrl)}`, '--log-level=warning'], { maxBuffer: 64 * 1024 * 1024 });
	const dir = path.join(esbuild.slice(0, esbuild.lastIndexOf(`node_modules${path.sep}`)), 'node_modules', '.cache', 'rukun-workers');
	const file = path.join(dir, `${path.basename(entry, '.ts')}-${createHash('sha256').update(out).digest('hex').slice(0, 16)}.mjs`);
	mkdirSync(dir, { recursive: true });
	// Written whole under a name of its own, then renamed: another process never reads half a file.
	const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
	writeFileSync(partial, out);
	renameSync(partial, file);
	const url = pathToFileURL(file).href;
	bundles.set(moduleUrl, url);
	return url;
}

/**
 * Makes the bundle of a `.ts` worker module now; nothing to do for the built app's
 * chunks. Bundling runs esbuild synchronously on the calling thread (80-130 ms on the
 * main thread, measured in bench:ingest's admin-load window), a cost only a process
 * run from the sources pays, once per module: benchmarks pay it before they measure.
 */
export function prepareWorkerModule(moduleUrl: string): void {
	if (moduleUrl.endsWith('.ts')) bundled(moduleUrl);
}

/**
 * A worker thread whose main module is `moduleUrl`. In the built app the module is a
 * chunk of the server bundle (JavaScript). Run from the sources (tests, `vite dev`,
 * scripts under tsx) it is a `.ts` file: Node 20 applies no `--import` loader to a
 * worker's main module, so the worker starts from the module bundled into JavaScript
 * (`bundled`, once per process and module). Registering tsx's loader in each worker
 * instead cost ~1 s of CPU per worker (a loader thread of its own, the transforms),
 * paid by every test file's database. Such a module imports relative paths only (no
 * `$lib` alias) and packages.
 */
export function startWorker(moduleUrl: string, workerData: unknown, heap: WorkerHeap = {}): Worker {
	unpinWorkerHeaps();
	const resourceLimits = { maxYoungGenerationSizeMb: heap.youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB, ...(heap.oldGenerationMb ? { maxOldGenerationSizeMb: heap.oldGenerationMb } : {}) };
	const options = { workerData, resourceLimits };
	if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), options);
	// Started from `node --input-type=module -e …`, a worker inheriting that flag would
	// refuse its file. (Given execArgv at all, a worker refuses V8 flags such as npm start's.)
	const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
	return new Worker(new URL(bundled(moduleUrl)), execArgv.length < process.execArgv.length ? { ...options, execArgv } : options);
}
