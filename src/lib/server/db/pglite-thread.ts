// PGlite in a worker thread, behind the same Database interface as the in-thread one.
//
// PGlite is PostgreSQL compiled to WASM: every query runs synchronously on the thread
// that owns it. In the main thread it competes with HTTP rendering and the MQTT broker
// for one core while the machine's second core idles. In a worker, the database runs
// on its own core and the main thread only posts messages. Semantics stay those of
// one PGlite: one session, transactions serialised by PGlite itself.
//
// Transactions are interactive: `begin` opens `pg.transaction()` in the worker and
// keeps it open until the main thread sends `end` (commit, or rollback when the
// callback threw); the queries in between carry the transaction's id.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database, Sql, Statement } from './types';

type Op =
	| { op: 'open'; dataDir: string | null; dump: ArrayBuffer | null }
	| { op: 'query'; tx: number | null; text: string; params: unknown[] }
	| { op: 'exec'; tx: number | null; text: string }
	| { op: 'begin' }
	| { op: 'batch'; statements: Statement[] }
	| { op: 'end'; tx: number; commit: boolean }
	| { op: 'close' };

/** The fields of a PostgreSQL error that callers look at (code: SQLSTATE). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where'] as const;

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

// Plain JavaScript run with `eval: true`, so it needs no separate file in the build.
// Eval code is a CommonJS script, or a module when the process runs with
// --input-type=module: only dynamic import() works in both, hence the async wrapper.
// The module URLs come from the main thread (workerData), resolved from its node_modules.
const WORKER_SOURCE = `(async () => {
const { parentPort, workerData } = await import('node:worker_threads');
const FIELDS = ${JSON.stringify(ERROR_FIELDS)};
const started = (async () => {
  const { PGlite } = await import(workerData.pglite);
  const { pg_trgm } = await import(workerData.pgTrgm);
  return { PGlite, pg_trgm };
})();
let pg = null;
const open = new Map(); // transaction id -> { tx, settle, outcome }
const send = (id, ok, value) => parentPort.postMessage(ok ? { id, ok, value } : { id, ok, error: value });
const errorOf = (err) => {
  const out = { message: err && err.message ? err.message : String(err) };
  for (const f of FIELDS) if (err && err[f] !== undefined) out[f] = err[f];
  return out;
};
const target = (tx) => {
  if (tx === null) return pg;
  const entry = open.get(tx);
  if (!entry) throw new Error('transaction ' + tx + ' is not open');
  return entry.tx;
};
parentPort.on('message', async (m) => {
  try {
    switch (m.op) {
      case 'open': {
        const { PGlite, pg_trgm } = await started;
        const options = { extensions: { pg_trgm } };
        if (m.dump) options.loadDataDir = new Blob([m.dump]);
        pg = m.dataDir ? await PGlite.create(m.dataDir, options) : await PGlite.create(options);
        return send(m.id, true, null);
      }
      case 'query': return send(m.id, true, (await target(m.tx).query(m.text, m.params)).rows);
      case 'exec': await target(m.tx).exec(m.text); return send(m.id, true, null);
      case 'batch':
        return send(m.id, true, await pg.transaction(async (tx) => {
          const results = [];
          for (const s of m.statements) results.push((await tx.query(s.text, s.params || [])).rows);
          return results;
        }));
      case 'begin': {
        let settle;
        const finished = new Promise((resolve, reject) => { settle = { resolve, reject }; });
        const entry = { tx: null, settle, outcome: null, begun: false };
        entry.outcome = pg.transaction(async (tx) => {
          entry.tx = tx;
          entry.begun = true;
          open.set(m.id, entry);
          send(m.id, true, m.id);
          await finished;
        });
        entry.outcome.catch((err) => { if (!entry.begun) send(m.id, false, errorOf(err)); });
        return;
      }
      case 'end': {
        const entry = open.get(m.tx);
        if (!entry) throw new Error('transaction ' + m.tx + ' is not open');
        open.delete(m.tx);
        if (m.commit) entry.settle.resolve();
        else entry.settle.reject(new Error('rolled back'));
        try {
          await entry.outcome;
        } catch (err) {
          if (m.commit) return send(m.id, false, errorOf(err));
        }
        return send(m.id, true, null);
      }
      case 'close':
        if (pg) await pg.close();
        pg = null;
        return send(m.id, true, null);
    }
  } catch (err) {
    send(m.id, false, errorOf(err));
  }
});
})();
`;

function moduleUrls(): { pglite: string; pgTrgm: string } {
	// The CommonJS entry locates the package; the worker imports its ES modules.
	const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
	return {
		pglite: pathToFileURL(path.join(dist, 'index.js')).href,
		pgTrgm: pathToFileURL(path.join(dist, 'contrib/pg_trgm.js')).href
	};
}

/**
 * Opens PGlite in a worker thread: `dataDir` on disk, or in memory when null
 * (`dump`: a data directory tarball from `dumpDataDir`, as the tests use).
 */
export async function openPgliteThread(dataDir: string | null, options: { dump?: ArrayBuffer } = {}): Promise<Database> {
	const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: moduleUrls() });
	const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
	let next = 1;
	let failed: Error | null = null;
	worker.on('message', (reply: Reply) => {
		const w = waiting.get(reply.id);
		if (!w) return;
		waiting.delete(reply.id);
		if (waiting.size === 0) worker.unref();
		if (reply.ok) w.resolve(reply.value);
		else w.reject(Object.assign(new Error(String(reply.error.message)), reply.error));
	});
	const fail = (err: Error) => {
		failed ??= err;
		for (const w of waiting.values()) w.reject(failed);
		waiting.clear();
	};
	worker.on('error', fail);
	worker.on('exit', (code) => fail(new Error(`the database worker exited (${code})`)));
	// An idle database does not keep the process alive (a script that ends, a test that
	// forgets close()); a call waiting for its answer does.
	worker.unref();

	const call = <T>(op: Op, transfer: ArrayBuffer[] = []): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			if (failed) return reject(failed);
			const id = next++;
			if (waiting.size === 0) worker.ref();
			waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
			worker.postMessage({ ...op, id }, transfer);
		});
	const sql = (tx: number | null): Sql => ({
		query: <T>(text: string, params: unknown[] = []) => call<T[]>({ op: 'query', tx, text, params }),
		exec: (text: string) => call<void>({ op: 'exec', tx, text })
	});

	try {
		const dump = options.dump ?? null;
		await call({ op: 'open', dataDir, dump }, dump ? [dump] : []);
	} catch (err) {
		await worker.terminate();
		throw err;
	}
	return {
		kind: 'pglite',
		...sql(null),
		async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
			const tx = await call<number>({ op: 'begin' });
			let result: T;
			try {
				result = await fn(sql(tx));
			} catch (err) {
				// The caller's error is the one that matters, even if the worker is gone.
				await call({ op: 'end', tx, commit: false }).catch(() => {});
				throw err;
			}
			await call({ op: 'end', tx, commit: true });
			return result;
		},
		batch: (statements) => call<unknown[][]>({ op: 'batch', statements }),
		async ping() {
			try {
				await call({ op: 'query', tx: null, text: 'select 1', params: [] });
				return true;
			} catch {
				return false;
			}
		},
		async close() {
			if (!failed) await call({ op: 'close' }).catch(() => {});
			await worker.terminate();
		}
	};
}
