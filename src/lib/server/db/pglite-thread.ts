// PGlite in a worker thread, behind the same Database interface as the in-thread one.
//
// PGlite is PostgreSQL compiled to WASM: every query runs synchronously on the thread
// that owns it. In the main thread it competes with HTTP rendering and the MQTT broker
// for one core while the machine's second core idles. In a worker, the database runs
// on its own core and the main thread only posts messages. Semantics stay those of
// one PGlite: one session, transactions serialised by PGlite itself.
//
// The main thread's side is worker-client.ts, shared with the PostgreSQL driver's worker.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Database } from './types';
import { pgliteCopyStatement } from './copy';
import { PGLITE_SESSION_SQL } from './pglite';
import { IDLE_IN_TRANSACTION_MS, startDatabaseWorker, WORKER_COMMON_SOURCE } from './worker-client';

/** Prepared statements kept per database; the least recently used is closed beyond this. */
const MAX_STATEMENTS = 500;

// Plain JavaScript run with `eval: true`, so it needs no separate file in the build.
// Eval code is a CommonJS script, or a module when the process runs with
// --input-type=module: only dynamic import() works in both, hence the async wrapper.
// The module URLs come from the main thread (workerData), resolved from its node_modules.
const WORKER_SOURCE = `(async () => {
const { parentPort, workerData } = await import('node:worker_threads');
${WORKER_COMMON_SOURCE}
const started = (async () => {
  const lib = await import(workerData.pglite);
  const { pg_trgm } = await import(workerData.pgTrgm);
  return { lib, pg_trgm };
})();
let pg = null;
let lib = null;

// Named prepared statements: PGlite's query() parses, describes and plans every
// statement anew in six calls into WASM; a statement prepared once costs one call
// and reuses its plan (measured: a name search 2.1-2.6 -> 1.2 ms per transaction).
// Values are serialised and rows parsed with PGlite's own serializers and parsers,
// as query() does. The mutexes are PGlite's: outside a transaction a statement waits
// for any open one, as query() does.
const statements = new Map(); // text -> { name, types }
const MAX_STATEMENTS = ${MAX_STATEMENTS};
let statementCount = 0;
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const prepare = async (text) => {
  const S = lib.protocol.serialize;
  let st = statements.get(text);
  if (st) {
    statements.delete(text); // keep the map in use order: the first key is the least recent
    statements.set(text, st);
    return st;
  }
  if (statements.size >= MAX_STATEMENTS) {
    const [oldText, old] = statements.entries().next().value;
    statements.delete(oldText);
    await pg.execProtocol(concat([S.close({ type: 'S', name: old.name }), S.sync()]));
  }
  const name = 'rukun_' + ++statementCount;
  const r = await pg.execProtocol(concat([S.parse({ name, text, types: [] }), S.describe({ type: 'S', name }), S.sync()]));
  st = { name, types: lib.parse.parseDescribeStatementResults(r.messages) };
  statements.set(text, st);
  return st;
};
const values = (st, params) =>
  (params || []).map((v, i) => {
    if (v === null || v === undefined) return null;
    const serialize = pg.serializers[st.types[i]];
    return serialize ? serialize(v) : v.toString();
  });
const execute = async (text, params) => {
  const S = lib.protocol.serialize;
  const st = await prepare(text);
  const r = await pg.execProtocol(concat([S.bind({ statement: st.name, values: values(st, params) }), S.describe({ type: 'P' }), S.execute({}), S.sync()]));
  return lib.parse.parseResults(r.messages, pg.parsers)[0].rows;
};
const closeStatements = async (names) => {
  if (names.length === 0) return;
  const S = lib.protocol.serialize;
  await pg.execProtocol(concat([...names.map((name) => S.close({ type: 'S', name })), S.sync()]));
};
// A prepared statement whose tables changed shape since (DDL) is prepared again. Outside
// a transaction at once; inside one the failure has aborted the transaction, so the
// error stands and the next call prepares it anew.
const run = async (text, params, inTransaction) => {
  try {
    return await execute(text, params);
  } catch (err) {
    if (!(err && err.code === '0A000' && /cached plan/.test(err.message) && statements.has(text))) throw err;
    const st = statements.get(text);
    statements.delete(text);
    if (inTransaction) throw err; // its name stays allocated until the session ends: harmless
    await closeStatements([st.name]);
    return execute(text, params);
  }
};
// After exec (migrations, DDL) no cached statement is trusted.
const forgetStatements = async (inTransaction) => {
  const names = [...statements.values()].map((st) => st.name);
  statements.clear();
  if (!inTransaction) await closeStatements(names);
};
// A batch is one message into WASM: Bind/Execute for each statement and one Sync.
// PostgreSQL runs the Executes before a Sync as one implicit transaction (settings
// made with set_config(..., true) last until the Sync; an error rolls all of it
// back), so no BEGIN and COMMIT round trips (measured: 0.43-0.50 -> 0.28-0.30 ms for
// a two-statement read). Statements that need a transaction block (LOCK, SET LOCAL)
// belong in transaction(), not here. A statement whose cached plan went stale (DDL)
// fails the whole batch before anything is kept: it is prepared again and the batch
// runs once more.
const batchOnce = async (list) => {
  const S = lib.protocol.serialize;
  const parts = [];
  for (const s of list) {
    const st = await prepare(s.text);
    parts.push(S.bind({ statement: st.name, values: values(st, s.params) }), S.describe({ type: 'P' }), S.execute({}));
  }
  parts.push(S.sync());
  const r = await pg.execProtocol(concat(parts));
  const results = lib.parse.parseResults(r.messages, pg.parsers);
  // One result per statement: a statement that completes without a command (an empty
  // one, a comment) would shift the rest.
  if (results.length !== list.length) throw new Error('a batch of ' + list.length + ' statements gave ' + results.length + ' results: each statement must be one command');
  return results.map((result) => result.rows);
};
const batch = async (list) => {
  if (list.length === 0) return [];
  try {
    return await batchOnce(list);
  } catch (err) {
    if (!(err && err.code === '0A000' && /cached plan/.test(err.message))) throw err;
    const stale = list.map((s) => statements.get(s.text)).filter(Boolean);
    for (const s of list) statements.delete(s.text);
    await closeStatements(stale.map((st) => st.name));
    return batchOnce(list);
  }
};
const queryIn = (tx, text, params) =>
  tx === null
    ? pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => run(text, params, false)))
    : (target(tx), within(tx, () => pg._runExclusiveQuery(() => run(text, params, true))));
const target = (tx) => (tx === null ? pg : txOf(tx));
parentPort.on('message', async (m) => {
  try {
    switch (m.op) {
      case 'open': {
        const loaded = await started;
        lib = loaded.lib;
        const options = { extensions: { pg_trgm: loaded.pg_trgm } };
        if (m.dump) options.loadDataDir = new Blob([m.dump]);
        pg = m.dataDir ? await lib.PGlite.create(m.dataDir, options) : await lib.PGlite.create(options);
        await pg.exec(m.sessionSql);
        return send(m.id, true, null);
      }
      case 'query': return send(m.id, true, await queryIn(m.tx, m.text, m.params));
      case 'exec':
        await within(m.tx, () => target(m.tx).exec(m.text));
        if (m.tx === null) await pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => forgetStatements(false)));
        else await within(m.tx, () => pg._runExclusiveQuery(() => forgetStatements(true)));
        return send(m.id, true, null);
      case 'batch':
        return send(m.id, true, await pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => batch(m.statements))));
      // Database.copyIn (the statement: pgliteCopyStatement).
      case 'copy':
        return send(m.id, true, await pg.transaction(async (tx) => {
          await tx.query(m.text, [], { blob: new Blob([m.data]) });
          const out = [];
          for (const s of m.after) out.push((await tx.query(s.text, s.params || [])).rows);
          return out;
        }));
      case 'begin': return beginTransaction(m, (fn) => pg.transaction(fn));
      case 'end': return await endTransaction(m);
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
export async function openPgliteThread(
	dataDir: string | null,
	options: { dump?: ArrayBuffer; idleInTransactionMs?: number } = {}
): Promise<Database> {
	const workerData = { ...moduleUrls(), idleInTransactionMs: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS };
	const dump = options.dump ?? null;
	return startDatabaseWorker({
		kind: 'pglite',
		source: WORKER_SOURCE,
		workerData,
		open: { op: 'open', dataDir, dump, sessionSql: PGLITE_SESSION_SQL },
		transfer: dump ? [dump] : [],
		copyStatement: pgliteCopyStatement
	});
}
