// PGlite in a worker thread, behind the same Database interface as the in-thread one.
//
// PGlite is PostgreSQL compiled to WASM: every query runs synchronously on the thread
// that owns it. In the main thread it competes with HTTP rendering and the MQTT broker
// for one core while the machine's second core idles. In a worker, the database runs
// on its own core and the main thread only posts messages. Semantics stay those of
// one PGlite: one session, transactions serialised by PGlite itself.
//
// The worker's side is pglite-worker.ts; the main thread's is worker-client.ts, shared
// with the PostgreSQL driver's worker.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './types';
import { pgliteCopyStatement } from './copy';
import { PGLITE_SESSION_SQL, PGLITE_SETTINGS } from './pglite';
import { IDLE_IN_TRANSACTION_MS, startDatabaseWorker } from './worker-client';

/**
 * The PGlite worker's V8 heap, MB. The worker allocates ~13 MB/s at 200 readings/s
 * (PGlite's protocol layer per statement, a COPY through its file system per batch),
 * much of it promoted. V8 lets an old generation grow to up to four times its live
 * size (~20 MB here) before a full GC when the heap's limit is high (V8's default: a
 * quarter of the machine's memory, up to 4 GB), less the lower the limit (up to 1.4
 * times at 512 MB); bench:memory measured 121–133 MB of uncollected garbage in this
 * worker in some runs. The limit is no tight bound: the worker's heaviest work (a
 * 10,000-row import and 50 letters while 5,000 readings/s are stored; the dues exports
 * of 2,000 houses × 60 months and the registry export, whose heap peaked at 42 MB) ran
 * with a limit of 128 MB. Its young
 * generation is half the other workers' 16 MB (workers/start.ts): ~7 MB less RSS
 * (bench/README.md, "Memory, eleventh session").
 */
export const PGLITE_WORKER_HEAP = { oldGenerationMb: 512, youngGenerationMb: 8 };

/**
 * Opens PGlite in a worker thread: `dataDir` on disk, or in memory when null
 * (`dump`: a data directory tarball from `dumpDataDir`, as the tests use).
 */
export async function openPgliteThread(
	dataDir: string | null,
	options: { dump?: ArrayBuffer; idleInTransactionMs?: number; measureCpu?: boolean } = {}
): Promise<Database> {
	// A new data directory is made by PGlite's initdb, a second WASM instance whose
	// memory the worker kept after it finished (the app held 534 MB at rest after its
	// first start, 351 MB when started again on the same directory): it runs in a
	// worker of its own that ends when it is done.
	if (dataDir && !options.dump && !existsSync(path.join(dataDir, 'PG_VERSION'))) await (await startPgliteWorker(dataDir, null, options)).close();
	return startPgliteWorker(dataDir, options.dump ?? null, options);
}

async function startPgliteWorker(dataDir: string | null, dump: ArrayBuffer | null, options: { idleInTransactionMs?: number; measureCpu?: boolean }): Promise<Database> {
	// Imported for its URL: in the built app the worker is a chunk of the server bundle,
	// emitted because of this import and found where the bundler put it.
	const { workerModuleUrl } = await import('./pglite-worker');
	return startDatabaseWorker({
		kind: 'pglite',
		moduleUrl: workerModuleUrl,
		workerData: { rukunDatabaseWorker: 'pglite', idleInTransactionMs: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS, measureCpu: options.measureCpu },
		open: { op: 'open', dataDir, dump, sessionSql: PGLITE_SESSION_SQL, settings: PGLITE_SETTINGS },
		...PGLITE_WORKER_HEAP,
		transfer: dump ? [dump] : [],
		copyStatement: pgliteCopyStatement
	});
}
