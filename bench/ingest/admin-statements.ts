// `npx tsx bench/ingest/admin-statements.ts [--rows 10000] [--letters 50] [--analyze-first]`
//
// Where the admin-load scenario's database time goes, statement by statement: PGlite
// in this thread with the worker's prepared statements (pglite-worker.ts), so plans are
// cached as in the app, and each statement timed in this thread's CPU time (Linux
// schedstat: time spent waiting for a core on a shared machine is not counted). Prints
// the statements by total time. `--analyze-first`: ANALYZE the registry tables while
// they are (almost) empty, as the import job did after an RT's first small import.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as lib from '@electric-sql/pglite';
import type { Database, Sql, Statement } from '../../src/lib/server/db/types';
import { preparedStatements } from '../../src/lib/server/db/pglite-worker';
import { holdLabel } from '../../src/lib/server/db/session-gate';
import { formatTable, round } from './stats';
import { prepareAdminLoad } from './admin-load';
import { benchDatabase } from './database';

const { values } = parseArgs({
	options: {
		rows: { type: 'string', default: '10000' },
		letters: { type: 'string', default: '50' },
		'analyze-first': { type: 'boolean', default: false },
		'as-owner': { type: 'boolean', default: false },
		explain: { type: 'string', default: '' },
		'split-batches': { type: 'boolean', default: false }
	}
});

const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]) / 1e6;
const explained = new Map<string, number>();
const timings = new Map<string, { n: number; ms: number; max: number }>();
function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
	const t0 = cpuMs();
	return fn().finally(() => {
		const ms = cpuMs() - t0;
		const t = timings.get(label) ?? { n: 0, ms: 0, max: 0 };
		t.n++;
		t.ms += ms;
		t.max = Math.max(t.max, ms);
		timings.set(label, t);
	});
}

const bench = await benchDatabase(1, { thread: 'main' });
const pg = bench.pg!;
const prepared = preparedStatements(lib, pg);
const exclusive = <T>(fn: () => Promise<T>) => pg._runExclusiveTransaction(() => pg._runExclusiveQuery(fn));
const owner = (text: string) => (values['as-owner'] ? text.replace(", set_config('role', 'authenticated', true)", '') : text);
const sqlIn = (inTx: boolean): Sql => ({
	query: <T>(t: string, params: unknown[] = []) => {
		const text = owner(t);
		const label = holdLabel([text]);
		const seen = (explained.get(label) ?? 0) + 1;
		explained.set(label, seen);
		if (values.explain && inTx && seen === 100 && label.includes(values.explain))
			{return pg._runExclusiveQuery(async () => {
				const plan = (await prepared.run(`explain (analyze, verbose, buffers) ${text}`, params, true)) as { 'QUERY PLAN': string }[];
				console.log(plan.map((x) => x['QUERY PLAN']).join('\n'));
				return (await prepared.run(text, params, true)) as T[];
			});}
		return timed(holdLabel([text]), () => (inTx ? pg._runExclusiveQuery(() => prepared.run(text, params, true)) : exclusive(() => prepared.run(text, params, false)))) as Promise<T[]>;
	},
	exec: (text: string) => pg.exec(text).then(() => {})
});
const db: Database = {
	...bench.db,
	...sqlIn(false),
	transaction: <T>(fn: (tx: Sql) => Promise<T>) => pg.transaction(() => fn(sqlIn(true))) as Promise<T>,
	batch: (statements: Statement[]) =>
		values['split-batches']
			? pg.transaction(async () => {
					const tx = sqlIn(true);
					const out: unknown[][] = [];
					for (const st of statements) out.push(await tx.query(st.text, st.params ?? []));
					return out;
				})
			: timed(`batch: ${holdLabel(statements.map((s) => s.text))}`, () => exclusive(() => prepared.batch(statements.map((s) => ({ ...s, text: owner(s.text) })))))
};
try {
	const load = await prepareAdminLoad(db, Number(values.rows), Number(values.letters));
	if (values['analyze-first']) await db.exec('analyze resident, household, house');
	timings.clear();
	const result = await load.run();
	console.log(`import of ${result.imported} rows ${(result.importMs / 1000).toFixed(2)} s, ${result.issued} letters ${(result.lettersMs / 1000).toFixed(2)} s`);
	const rows = [...timings].sort((a, b) => b[1].ms - a[1].ms).map(([label, t]) => [round(t.ms, 1), t.n, round(t.ms / t.n, 2), round(t.max, 2), label.slice(0, 110)]);
	console.log(formatTable(['CPU ms total', 'n', 'mean', 'max', 'statement'], rows));
	await load.close();
} finally {
	await bench.dispose();
}
