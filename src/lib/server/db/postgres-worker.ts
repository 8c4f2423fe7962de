// The database worker for PostgreSQL through postgres.js (the main thread's side:
// postgres-thread.ts and worker-client.ts). Runs its loop only when loaded as a
// worker thread's main module with `workerData.rukunDatabaseWorker === 'postgres'`.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Sql as Postgres, TransactionSql } from 'postgres';
import type { Message, WorkerData } from './worker-protocol';
import { workerSession } from './worker-transactions';

/** This module's URL: the worker thread's main module. */
export const workerModuleUrl = import.meta.url;

type OpenMessage = { url: string; max: number };

// postgres.js answers with an Array subclass that carries the statement's columns
// (with parser functions, which cannot be posted): send the rows as a plain array.
const plain = (rows: readonly unknown[]) => Array.from(rows);

function serve(port: MessagePort, data: WorkerData): void {
	const loading = import('postgres');
	loading.catch(() => {}); // reported by 'open'
	const session = workerSession<TransactionSql>(port, data.idleInTransactionMs);
	let sql: Postgres | null = null;
	const target = (tx: number | null) => {
		if (tx !== null) return session.txOf(tx);
		if (!sql) throw new Error('the database is not open');
		return sql;
	};
	// Parameters arrive as structured clones of what the caller passed: postgres.js types them.
	type Params = Parameters<Postgres['unsafe']>[1];

	const handle = async (m: Message): Promise<unknown> => {
		switch (m.op) {
			case 'open': {
				const open = m as unknown as OpenMessage;
				const postgres = (await loading).default;
				sql = postgres(open.url, { max: open.max, onnotice: () => {}, idle_timeout: 30, connect_timeout: 10 });
				return null;
			}
			case 'query':
				return plain(await session.within(m.tx, () => target(m.tx).unsafe(m.text, m.params as Params)));
			// Without parameters postgres.js uses the simple protocol: several statements run.
			case 'exec':
				await session.within(m.tx, () => target(m.tx).unsafe(m.text));
				return null;
			// Returning the statements unawaited lets postgres.js pipeline them: one round trip.
			case 'batch': {
				const results = await (target(null) as Postgres).begin((tx) => m.statements.map((s) => tx.unsafe(s.text, (s.params ?? []) as Params)));
				return (results as unknown as unknown[][]).map(plain);
			}
			case 'close':
				if (sql) await sql.end({ timeout: 5 });
				sql = null;
				return null;
			case 'copy':
				throw new Error('COPY is not offered on PostgreSQL (see Database.copyIn)');
			case 'stats':
				throw new Error('PostgreSQL has a pool of sessions and no gate: no session statistics');
			case 'listen':
				throw new Error('PostgreSQL: listen on a connection of its own (a pooled session may change between calls)');
			case 'begin':
			case 'end':
				throw new Error(`${m.op} is answered by the transaction`);
		}
	};

	port.on('message', (m: Message) => {
		if (m.op === 'begin') {
			try {
				session.begin(m, (fn) => (target(null) as Postgres).begin(fn));
			} catch (err) {
				session.fail(m.id, err);
			}
			return;
		}
		const answer = m.op === 'end' ? session.end(m) : handle(m).then((value) => session.send(m.id, true, value));
		answer.catch((err: unknown) => session.fail(m.id, err));
	});
}

const data = workerData as Partial<WorkerData> | null;
if (!isMainThread && parentPort && data?.rukunDatabaseWorker === 'postgres') serve(parentPort, data as WorkerData);
