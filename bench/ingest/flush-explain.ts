// `npx tsx bench/ingest/flush-explain.ts [--devices 200] [--rate 5000] [--seconds 60] [--explain 30] [--vacuum 0]` (`--help`)
//
// Where the rollup flush's time goes (src/lib/server/ingest/rollups.ts): PGlite in this
// thread with the worker's prepared statements, `--rate` readings a second from
// `--devices` sensors written as the ingest writes them (a batch every 40 ms), and the
// flush once a simulated second. Each flush message is timed in this thread's CPU time
// (Linux schedstat); at flush number `--explain` each statement of the flush is run
// with EXPLAIN (ANALYZE, BUFFERS) instead, inside a transaction that is rolled back,
// then the flush is run for real.
import { readFileSync } from 'node:fs';
import * as lib from '@electric-sql/pglite';
import type { Database, Statement } from '../../src/lib/server/db/types';
import { preparedStatements } from '../../src/lib/server/db/pglite-worker';
import { Rollups } from '../../src/lib/server/ingest/rollups';
import { writeBatch, type ReadingRow } from '../../src/lib/server/ingest/writer';
import { benchArgs } from '../lib/args';
import { benchDatabase } from './database';
import { formatTable, round } from './stats';

const { int } = benchArgs(
	`usage: npx tsx bench/ingest/flush-explain.ts [--devices N] [--rate READINGS_PER_S] [--seconds S] [--explain FLUSH] [--vacuum FLUSHES]
  --devices  sensors written (1..2000, default 200)
  --rate     readings a second (25..200000, default 5000)
  --seconds  simulated seconds, one flush each (1..3600, default 60)
  --explain  the flush (counted from 0) run with EXPLAIN (ANALYZE, BUFFERS) (0..3600, default 30; none from --seconds on)
  --vacuum   VACUUM every this many flushes (0: never, as the app; default 0)`,
	{
		options: {
			devices: { type: 'string', default: '200' },
			rate: { type: 'string', default: '5000' },
			seconds: { type: 'string', default: '60' },
			explain: { type: 'string', default: '30' },
			vacuum: { type: 'string', default: '0' }
		}
	}
);
const devices = int('devices', 1, 2000);
const rate = int('rate', 25, 200_000);
const seconds = int('seconds', 1, 3600);
const explainAt = int('explain', 0, 3600);
/** Every this many flushes, VACUUM the tables the flush updates (0: never, as the app without autovacuum). */
const vacuumEvery = int('vacuum', 0, 3600);
const VACUUM = 'vacuum device, reading_minute, reading_hour, device_seq_span, rollup_pending';

const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]) / 1e6;

const bench = await benchDatabase(devices, { thread: 'main' });
const pg = bench.pg!;
const prepared = preparedStatements(lib, pg);
const exclusive = <T>(fn: () => Promise<T>) => pg._runExclusiveTransaction(() => pg._runExclusiveQuery(fn));
let flushNo = 0;
const timings = new Map<string, number[]>();
const time = (label: string, ms: number) => (timings.get(label) ?? timings.set(label, []).get(label)!).push(ms);

async function explainAll(statements: Statement[]) {
	await pg.transaction(async (tx) => {
		for (const s of statements) {
			const plan = await tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${s.text}`, s.params ?? []);
			console.log(`\n${s.text.replace(/\s+/g, ' ').slice(0, 100)}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
		}
		await tx.rollback();
	});
}

const db: Database = {
	...bench.db,
	async query<T>(text: string, params: unknown[] = []) {
		if (flushNo === explainAt) await explainAll([{ text, params }]);
		const t0 = cpuMs();
		const rows = await exclusive(() => prepared.run(text, params, false));
		time(`query: ${text.replace(/\s+/g, ' ').slice(0, 60)}`, cpuMs() - t0);
		return rows as T[];
	},
	async batch(statements: Statement[]) {
		if (flushNo === explainAt) await explainAll(statements);
		const t0 = cpuMs();
		const out = await exclusive(() => prepared.batch(statements));
		time(`batch: ${statements[0]!.text.replace(/\s+/g, ' ').slice(0, 60)}`, cpuMs() - t0);
		return out;
	}
};

const rollups = new Rollups(db);
let seq = 0;
const start = Date.now() - seconds * 1000;
const perBatch = Math.round(rate / 25);
try {
	for (let s = 0; s < seconds; s++) {
		for (let b = 0; b < 25; b++) {
			const rows: ReadingRow[] = [];
			for (let i = 0; i < perBatch; i++) {
				const n = seq++;
				rows.push({
					deviceId: bench.ids[n % devices]!,
					rwId: bench.rwId,
					boot: 0,
					seq: n,
					ts: new Date(start + s * 1000 + b * 40),
					levelCm: 100 + (n % 50),
					distanceCm: 200,
					batteryV: 3.9,
					clockSkew: false
				});
			}
			const { batchAt } = await writeBatch(bench.db, rows);
			rollups.add(batchAt, rows);
		}
		flushNo = s;
		await rollups.flush();
		if (vacuumEvery > 0 && s % vacuumEvery === vacuumEvery - 1) {
			const t0 = cpuMs();
			await pg.exec(VACUUM);
			time('exec: vacuum', cpuMs() - t0);
		}
	}
	const tables = await pg.query(
		`select relname, pg_relation_size(relid) / 8192 as pages, n_tup_upd, n_tup_hot_upd, n_dead_tup, n_live_tup
		   from pg_stat_user_tables where relname in ('device', 'reading_minute', 'reading_hour', 'device_seq_span', 'rollup_pending') order by 1`
	);
	console.table(tables.rows);
	console.log('');
	console.log(
		formatTable(
			['message (CPU ms)', 'n', 'p50', 'p90', 'max', 'last 10 mean'],
			[...timings].map(([label, ms]) => {
				const sorted = [...ms].sort((a, b) => a - b);
				const last = ms.slice(-10);
				return [label, ms.length, round(sorted[Math.floor(sorted.length / 2)]!, 2), round(sorted[Math.floor(sorted.length * 0.9)]!, 2), round(sorted.at(-1)!, 2), round(last.reduce((a, b) => a + b, 0) / last.length, 2)];
			})
		)
	);
} finally {
	await bench.dispose();
}
