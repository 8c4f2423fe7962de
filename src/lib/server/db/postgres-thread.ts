// The PostgreSQL driver (postgres.js) in a worker thread, behind the same Database
// interface as PGlite's worker (the main thread's side is worker-client.ts).
//
// Measured with `npm run bench:http`: with the driver in the main thread, the app's
// one thread was saturated at 458 registry pages/s; building and parsing protocol
// messages, socket writes and the promise work of three round trips per page took
// ~0.85 ms of it per page, more than rendering the page. Here that work runs on the
// worker's thread, and the main thread posts one message per call.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Database } from './types';
import { IDLE_IN_TRANSACTION_MS, startDatabaseWorker, WORKER_COMMON_SOURCE } from './worker-client';

// Plain JavaScript run with `eval: true` (see pglite-thread.ts for why).
const WORKER_SOURCE = `(async () => {
const { parentPort, workerData } = await import('node:worker_threads');
const postgres = (await import(workerData.postgres)).default;
${WORKER_COMMON_SOURCE}
let sql = null;
// postgres.js answers with an Array subclass that carries the statement's columns
// (with parser functions, which cannot be posted): send the rows as a plain array.
const plain = (rows) => Array.from(rows);
const target = (tx) => (tx === null ? sql : txOf(tx));
parentPort.on('message', async (m) => {
  try {
    switch (m.op) {
      case 'open':
        sql = postgres(m.url, { max: m.max, onnotice: () => {}, idle_timeout: 30, connect_timeout: 10 });
        return send(m.id, true, null);
      case 'query': return send(m.id, true, plain(await within(m.tx, () => target(m.tx).unsafe(m.text, m.params))));
      // Without parameters postgres.js uses the simple protocol: several statements run.
      case 'exec':
        await within(m.tx, () => target(m.tx).unsafe(m.text));
        return send(m.id, true, null);
      // Returning the statements unawaited lets postgres.js pipeline them: one round trip.
      case 'batch':
        return send(m.id, true, (await sql.begin((tx) => m.statements.map((s) => tx.unsafe(s.text, s.params || [])))).map(plain));
      case 'begin': return beginTransaction(m, (fn) => sql.begin(fn));
      case 'end': return await endTransaction(m);
      case 'close':
        if (sql) await sql.end({ timeout: 5 });
        sql = null;
        return send(m.id, true, null);
    }
  } catch (err) {
    send(m.id, false, errorOf(err));
  }
});
})();
`;

/** PostgreSQL (or a Supabase project's Postgres) through postgres.js in a worker thread. */
export function openPostgresThread(url: string, options: { max?: number; idleInTransactionMs?: number } = {}): Promise<Database> {
	const postgresUrl = pathToFileURL(createRequire(import.meta.url).resolve('postgres')).href;
	return startDatabaseWorker({
		kind: 'postgres',
		source: WORKER_SOURCE,
		workerData: { postgres: postgresUrl, idleInTransactionMs: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS },
		open: { op: 'open', url, max: options.max ?? 10 }
	});
}
