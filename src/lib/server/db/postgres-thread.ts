// The PostgreSQL driver (postgres.js) in a worker thread, behind the same Database
// interface as PGlite's worker (the worker's side is postgres-worker.ts, the main
// thread's worker-client.ts).
//
// Measured with `npm run bench:http`: with the driver in the main thread, the app's
// one thread was saturated at 458 registry pages/s; building and parsing protocol
// messages, socket writes and the promise work of three round trips per page took
// ~0.85 ms of it per page, more than rendering the page. Here that work runs on the
// worker's thread, and the main thread posts one message per call.
import type { Database } from './types';
import { IDLE_IN_TRANSACTION_MS, startDatabaseWorker } from './worker-client';

/** PostgreSQL (or a Supabase project's Postgres) through postgres.js in a worker thread. */
export async function openPostgresThread(url: string, options: { max?: number; idleInTransactionMs?: number } = {}): Promise<Database> {
	// Imported for its URL (see pglite-thread.ts).
	const { workerModuleUrl } = await import('./postgres-worker');
	return startDatabaseWorker({
		kind: 'postgres',
		// The driver builds every row of a 5,000-reading batch as objects in this thread,
		// so it keeps a young generation like the main thread's (32 MB semi-spaces)
		// rather than the 16 MB of the other workers. Memory matters less here (the
		// scale-out mode); bench:ingest-external measured 9,935/s with 16 MB and
		// 11,044/s with this, within that benchmark's run-to-run spread on this machine.
		youngGenerationMb: 96,
		moduleUrl: workerModuleUrl,
		workerData: { rukunDatabaseWorker: 'postgres', idleInTransactionMs: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS },
		open: { op: 'open', url, max: options.max ?? 10 }
	});
}
