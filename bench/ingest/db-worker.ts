// Experiment (`--db-worker`), not the shipped code path: the bench database (PGlite)
// in a worker thread, behind a Database adapter in the main thread, so that Postgres
// (WASM) runs on one core while aedes and Ingest run on the other and the group
// commit pipelines between them. Everything else — broker, hooks, Ingest, writer SQL —
// is the code in src/ unchanged.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { Database } from '../../src/lib/server/db';
import { benchDatabase, type BenchDatabase } from './database';

type Op = { op: 'init'; devices: number } | { op: 'query'; text: string; params: unknown[] } | { op: 'exec'; text: string } | { op: 'close' };
type Request = Op & { id: number };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: string } };

export interface WorkerBench {
	db: Database;
	dataDir: string;
	rwId: string;
	ids: string[];
	secrets: string[];
	dispose(): Promise<void>;
}

/** Starts the worker, creates the bench database there and returns an adapter to it. */
export async function benchDatabaseInWorker(devices: number): Promise<WorkerBench> {
	// A worker does not inherit tsx's loader: load this file through tsx's API instead.
	const tsxApi = import.meta.resolve('tsx/esm/api');
	const bootstrap = `import { tsImport } from ${JSON.stringify(tsxApi)}; await tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)});`;
	const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
	const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	let next = 1;
	let failed: Error | null = null;
	worker.on('message', (reply: Reply) => {
		const w = waiting.get(reply.id);
		if (!w) return;
		waiting.delete(reply.id);
		if (reply.ok) w.resolve(reply.value);
		else w.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
	});
	const fail = (err: Error) => {
		failed = err;
		for (const w of waiting.values()) w.reject(err);
		waiting.clear();
	};
	worker.on('error', fail);
	worker.on('exit', (code) => fail(new Error(`database worker exited (${code})`)));
	const call = <T>(request: Op): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			if (failed) return reject(failed);
			const id = next++;
			waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
			worker.postMessage({ ...request, id });
		});
	const info = await call<Omit<BenchDatabase, 'db' | 'pg' | 'dispose'>>({ op: 'init', devices });
	const db: Database = {
		kind: 'pglite',
		query: <T>(text: string, params: unknown[] = []) => call<T[]>({ op: 'query', text, params }),
		exec: (text: string) => call<void>({ op: 'exec', text }),
		transaction: () => Promise.reject(new Error('transactions are not forwarded to the benchmark database worker')),
		ping: async () => true,
		close: async () => {}
	};
	return {
		...info,
		db,
		async dispose() {
			if (!failed) await call({ op: 'close' }).catch(() => {});
			await worker.terminate();
		}
	};
}

if (!isMainThread && parentPort) {
	const port = parentPort;
	let bench: BenchDatabase | null = null;
	port.on('message', (request: Request) => {
		const run = async (): Promise<unknown> => {
			switch (request.op) {
				case 'init': {
					bench = await benchDatabase(request.devices);
					return { dataDir: bench.dataDir, rwId: bench.rwId, ids: bench.ids, secrets: bench.secrets };
				}
				case 'query':
					return bench!.db.query(request.text, request.params);
				case 'exec':
					return bench!.db.exec(request.text);
				case 'close':
					await bench?.dispose();
					bench = null;
					return null;
			}
		};
		run().then(
			(value) => port.postMessage({ id: request.id, ok: true, value } satisfies Reply),
			(err: unknown) => {
				const e = err as { message?: string; code?: string };
				port.postMessage({ id: request.id, ok: false, error: { message: e.message ?? String(err), code: e.code } } satisfies Reply);
			}
		);
	});
}
