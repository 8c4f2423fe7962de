// Starting a worker thread from a module of the app, built or from the sources.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread whose main module is `moduleUrl`. In the built app the module is a
 * chunk of the server bundle (JavaScript). Run from the sources (tests, `vite dev`,
 * scripts under tsx) it is a `.ts` file: Node 20 applies no `--import` loader to a
 * worker's main module, so a two-line start registers tsx's loader in the worker
 * first, then imports the module. Such a module imports relative paths only (no
 * `$lib` alias: tsx does not know it).
 */
export function startWorker(moduleUrl: string, workerData: unknown): Worker {
	if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), { workerData });
	// The package's `import` condition (index.mjs beside the `require` one that resolve() finds).
	const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
	const start = `import(${JSON.stringify(tsx)}).then((t) => (t.register ?? t.default.register)()).then(() => import(${JSON.stringify(moduleUrl)}))`;
	return new Worker(start, { eval: true, workerData });
}
