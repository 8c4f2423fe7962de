// The database worker for PGlite (the main thread's side: pglite-thread.ts and
// worker-client.ts). This module runs its loop only when loaded as a worker thread's
// main module with `workerData.rukunDatabaseWorker === 'pglite'`; imported elsewhere
// it only tells where it is (`workerModuleUrl`), so the built app finds its own copy.
//
// PGlite's private parts used here (each has a canary test in
// tests/integration/pglite-private-api.test.ts): `protocol.serialize`, `parse`
// (parseResults, parseDescribeStatementResults), `execProtocol`, `serializers`,
// `parsers`, `_runExclusiveQuery` and `_runExclusiveTransaction`, and the `blob`
// query option that feeds COPY FROM '/dev/blob'.
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import type { Statement } from './types';
import type { HoldTrace, Message, Notice, WorkerData } from './worker-protocol';
import { workerSession } from './worker-transactions';
import { holdLabel, sessionGate } from './session-gate';

/** This module's URL: the worker thread's main module. */
export const workerModuleUrl = import.meta.url;

/** Prepared statements kept per database; the least recently used is closed beyond this. */
const MAX_STATEMENTS = 500;

type Lib = typeof import('@electric-sql/pglite');
interface Prepared {
	name: string;
	types: number[];
}
type OpenMessage = { dataDir: string | null; dump: ArrayBuffer | null; sessionSql: string; settings: string[] };

const isStaleplan = (err: unknown) =>
	!!err && typeof err === 'object' && (err as { code?: unknown }).code === '0A000' && /cached plan/.test(String((err as { message?: unknown }).message));

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/**
 * Named prepared statements: PGlite's query() parses, describes and plans every
 * statement anew in six calls into WASM; a statement prepared once costs one call
 * and reuses its plan (measured: a name search 2.1-2.6 -> 1.2 ms per transaction).
 * Values are serialised and rows parsed with PGlite's own serializers and parsers,
 * as query() does. The callers hold PGlite's mutexes.
 */
export function preparedStatements(lib: Lib, pg: PGlite) {
	const S = lib.protocol.serialize;
	const statements = new Map<string, Prepared>(); // text -> statement, in use order
	let statementCount = 0;

	const closeStatements = async (names: string[]) => {
		if (names.length === 0) return;
		await pg.execProtocol(concat([...names.map((name) => S.close({ type: 'S', name })), S.sync()]));
	};
	const prepare = async (text: string): Promise<Prepared> => {
		let st = statements.get(text);
		if (st) {
			statements.delete(text); // keep the map in use order: the first key is the least recent
			statements.set(text, st);
			return st;
		}
		if (statements.size >= MAX_STATEMENTS) {
			const [oldText, old] = statements.entries().next().value!;
			statements.delete(oldText);
			await closeStatements([old.name]);
		}
		const name = `rukun_${++statementCount}`;
		const r = await pg.execProtocol(concat([S.parse({ name, text, types: [] }), S.describe({ type: 'S', name }), S.sync()]));
		st = { name, types: lib.parse.parseDescribeStatementResults(r.messages) };
		statements.set(text, st);
		return st;
	};
	const values = (st: Prepared, params: unknown[] | undefined) =>
		(params ?? []).map((v, i) => {
			if (v === null || v === undefined) return null;
			const serialize = pg.serializers[st.types[i]!];
			return serialize ? serialize(v) : String(v);
		});
	const execute = async (text: string, params: unknown[]) => {
		const st = await prepare(text);
		const r = await pg.execProtocol(concat([S.bind({ statement: st.name, values: values(st, params) }), S.describe({ type: 'P' }), S.execute({}), S.sync()]));
		return lib.parse.parseResults(r.messages, pg.parsers)[0]!.rows;
	};
	// A batch is one message into WASM: Bind/Execute for each statement and one Sync.
	// PostgreSQL runs the Executes before a Sync as one implicit transaction (settings
	// made with set_config(..., true) last until the Sync; an error rolls all of it
	// back), so no BEGIN and COMMIT round trips (measured: 0.43-0.50 -> 0.28-0.30 ms for
	// a two-statement read). Statements that need a transaction block (LOCK, SET LOCAL)
	// belong in transaction(), not here.
	const batchOnce = async (list: Statement[]) => {
		const parts: Uint8Array[] = [];
		for (const s of list) {
			const st = await prepare(s.text);
			parts.push(S.bind({ statement: st.name, values: values(st, s.params) }), S.describe({ type: 'P' }), S.execute({}));
		}
		parts.push(S.sync());
		const r = await pg.execProtocol(concat(parts));
		const results = lib.parse.parseResults(r.messages, pg.parsers);
		// One result per statement: a statement that completes without a command (an empty
		// one, a comment) would shift the rest.
		if (results.length !== list.length) throw new Error(`a batch of ${list.length} statements gave ${results.length} results: each statement must be one command`);
		return results.map((result) => result.rows);
	};
	return {
		/**
		 * One statement. A prepared statement whose tables changed shape since (DDL) is
		 * prepared again: outside a transaction at once; inside one the failure has
		 * aborted the transaction, so the error stands and the next call prepares it anew.
		 */
		async run(text: string, params: unknown[], inTransaction: boolean) {
			try {
				return await execute(text, params);
			} catch (err) {
				const st = statements.get(text);
				if (!isStaleplan(err) || !st) throw err;
				statements.delete(text);
				if (inTransaction) throw err; // its name stays allocated until the session ends: harmless
				await closeStatements([st.name]);
				return execute(text, params);
			}
		},
		/** A stale statement fails the whole batch before anything is kept: prepared again, the batch runs once more. */
		async batch(list: Statement[]) {
			if (list.length === 0) return [];
			try {
				return await batchOnce(list);
			} catch (err) {
				if (!isStaleplan(err)) throw err;
				const stale = list.map((s) => statements.get(s.text)).filter((st): st is Prepared => !!st);
				for (const s of list) statements.delete(s.text);
				await closeStatements(stale.map((st) => st.name));
				return batchOnce(list);
			}
		},
		/** After exec (migrations, DDL) no cached statement is trusted. */
		async forget(inTransaction: boolean) {
			const names = [...statements.values()].map((st) => st.name);
			statements.clear();
			if (!inTransaction) await closeStatements(names);
		}
	};
}

/**
 * This thread's time on a CPU and time runnable but waiting for one so far, ms (Linux:
 * the first two fields of its schedstat, in ns).
 */
const threadSched = () => {
	const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 2);
	return { cpuMs: Number(cpu) / 1e6, runQueueMs: Number(wait) / 1e6 };
};

/** When the main thread sent `m`, on this thread's `performance.now()` clock (the session gate's). */
const sentAt = (m: Message) => (m.sentAt === undefined ? undefined : m.sentAt - performance.timeOrigin);

function serve(port: MessagePort, data: WorkerData): void {
	// Loaded while the first message is on its way; the listener is attached at once.
	const loading = Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
	loading.catch(() => {}); // reported by 'open'
	const session = workerSession<Transaction>(port, data.idleInTransactionMs);
	// Every request that needs the session waits here, realtime ones first; PGlite's own
	// mutexes then never have a queue (statements of an open transaction pass: it holds the session).
	const gate = sessionGate(undefined, data.measureCpu ? threadSched : undefined);
	const priorityOf = (m: Message) => ('priority' in m && m.priority === 'realtime' ? 'realtime' : 'normal');
	let pg: PGlite | null = null;
	let prepared: ReturnType<typeof preparedStatements> | null = null;
	/** Channels the main thread listens on (`listen`). */
	const listening = new Set<string>();
	const notice = (channel: string | null, payload: string) => port.postMessage({ notice: true, channel, payload } satisfies Notice);
	const db = () => {
		if (!pg || !prepared) throw new Error('the database is not open');
		return { pg, prepared };
	};
	/** Outside a transaction a statement waits for any open one, as PGlite's query() does. */
	const exclusive = <T>(fn: () => Promise<T>) => {
		const { pg } = db();
		return pg._runExclusiveTransaction(() => pg._runExclusiveQuery(fn));
	};

	const handle = async (m: Message, trace?: Partial<HoldTrace>): Promise<unknown> => {
		switch (m.op) {
			case 'open': {
				const open = m as unknown as OpenMessage;
				const [lib, { pg_trgm }] = await loading;
				const options: PGliteOptions = { extensions: { pg_trgm }, startParams: [...lib.PGlite.defaultStartParams, ...open.settings] };
				if (open.dump) options.loadDataDir = new Blob([open.dump]);
				pg = open.dataDir ? await lib.PGlite.create(open.dataDir, options) : await lib.PGlite.create(options);
				prepared = preparedStatements(lib, pg);
				await pg.exec(open.sessionSql);
				return null;
			}
			case 'query': {
				const { pg, prepared } = db();
				if (m.tx === null) return gate.run(priorityOf(m), 'query', holdLabel([m.text]), () => exclusive(() => prepared.run(m.text, m.params, false)), sentAt(m), trace);
				session.txOf(m.tx);
				return session.within(m.tx, () => pg._runExclusiveQuery(() => prepared.run(m.text, m.params, true)));
			}
			case 'exec': {
				const { pg, prepared } = db();
				if (m.tx === null) {
					await gate.run(
						priorityOf(m),
						'exec',
						holdLabel([m.text]),
						async () => {
							await pg.exec(m.text);
							await exclusive(() => prepared.forget(false));
						},
						sentAt(m),
						trace
					);
				} else {
					const tx = session.txOf(m.tx);
					await session.within(m.tx, () => tx.exec(m.text));
					await session.within(m.tx, () => pg._runExclusiveQuery(() => prepared.forget(true)));
				}
				return null;
			}
			case 'batch': {
				const { prepared } = db();
				return gate.run(
					priorityOf(m),
					'batch',
					holdLabel(m.statements.map((s) => s.text)),
					() => exclusive(() => prepared.batch(m.statements)),
					sentAt(m),
					trace
				);
			}
			// Database.copyIn (the statement: pgliteCopyStatement).
			case 'copy':
				return gate.run(
					priorityOf(m),
					'copy',
					holdLabel([m.text]),
					() =>
						db().pg.transaction(async (tx) => {
							await tx.query(m.text, [], { blob: new Blob([m.data]) });
							const out: unknown[][] = [];
							for (const s of m.after) out.push((await tx.query(s.text, s.params ?? [])).rows);
							return out;
						}),
					sentAt(m),
					trace
				);
			case 'close':
				return gate.run('normal', 'close', 'close', async () => {
					if (pg) await pg.close();
					pg = null;
					prepared = null;
					return null;
				});
			case 'stats':
				return gate.stats(m.reset);
			// Notifications to the main thread (Database.listen). PGlite reads a notification
			// from the output of the statement whose commit sent it and calls the listener in a
			// microtask, so it is posted before that call's reply (the port keeps the order).
			case 'listen': {
				if (!/^[a-z_][a-z0-9_]*$/.test(m.channel)) throw new Error(`listen: a channel is a lower-case identifier, not ${JSON.stringify(m.channel)}`);
				if (listening.has(m.channel)) return null;
				const channel = m.channel;
				await gate.run('normal', 'exec', `listen ${channel}`, () => db().pg.listen(channel, (payload) => notice(channel, payload)));
				listening.add(channel);
				return null;
			}
			case 'begin':
			case 'end':
				throw new Error(`${m.op} is answered by the transaction`);
		}
	};

	port.on('message', (m: Message) => {
		// A statement or the end of an open transaction: the session was held while it came from the main thread.
		if (m.op === 'end') gate.turn();
		else if ((m.op === 'query' || m.op === 'exec') && m.tx !== null) gate.turn(m.text);
		if (m.op === 'begin') {
			// The transaction holds the session from here until it ends (committed, rolled
			// back, or rolled back for idling).
			void gate.acquire(priorityOf(m), 'transaction', '', sentAt(m)).then((release) => {
				try {
					session.begin(m, (fn) => {
						const outcome = db().pg.transaction(fn);
						outcome.then(release, release);
						return outcome;
					});
				} catch (err) {
					release();
					session.fail(m.id, err);
				}
			});
			return;
		}
		// With measureCpu (benchmarks) each reply carries the request's way through the gate.
		const trace: Partial<HoldTrace> | undefined = data.measureCpu ? {} : undefined;
		const answer = m.op === 'end' ? session.end(m) : handle(m, trace).then((value) => session.send(m.id, true, value, trace?.releasedAt === undefined ? undefined : (trace as HoldTrace)));
		answer.catch((err: unknown) => {
			// Several statements in one message may commit before one fails, and PGlite drops
			// what follows an error in a call's output, their notifications too: say that some
			// may be lost (a query, a batch or a transaction that fails commits nothing).
			if (m.op === 'exec' && listening.size > 0) notice(null, '');
			session.fail(m.id, err);
		});
	});
}

const data = workerData as Partial<WorkerData> | null;
if (!isMainThread && parentPort && data?.rukunDatabaseWorker === 'pglite') serve(parentPort, data as WorkerData);
