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
import type { Database } from './types';
import { pgliteCopyStatement } from './copy';
import { PGLITE_SESSION_SQL } from './pglite';
import { IDLE_IN_TRANSACTION_MS, startDatabaseWorker } from './worker-client';

/**
 * Opens PGlite in a worker thread: `dataDir` on disk, or in memory when null
 * (`dump`: a data directory tarball from `dumpDataDir`, as the tests use).
 */
export async function openPgliteThread(
	dataDir: string | null,
	options: { dump?: ArrayBuffer; idleInTransactionMs?: number } = {}
): Promise<Database> {
	// Imported for its URL: in the built app the worker is a chunk of the server bundle,
	// emitted because of this import and found where the bundler put it.
	const { workerModuleUrl } = await import('./pglite-worker');
	const dump = options.dump ?? null;
	return startDatabaseWorker({
		kind: 'pglite',
		moduleUrl: workerModuleUrl,
		workerData: { rukunDatabaseWorker: 'pglite', idleInTransactionMs: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS },
		open: { op: 'open', dataDir, dump, sessionSql: PGLITE_SESSION_SQL },
		transfer: dump ? [dump] : [],
		copyStatement: pgliteCopyStatement
	});
}
