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
		transfer: dump ? [dump] : [],
		copyStatement: pgliteCopyStatement
	});
}
