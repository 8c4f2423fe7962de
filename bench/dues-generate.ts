// `npm run bench:dues-generate [-- --runs 3]` on a DATA_DIR grown by
// `npm run seed:scale -- --houses 2000 --dues-months 60` (stop the app first).
// Times this month's invoice generation for every house of the demo RW (one
// statement, src/lib/server/dues/generate.ts) inside a transaction that first removes
// this month's invoices and is rolled back afterwards, so the data is left as it was;
// prints the statement's plan. Writes bench/results/dues-generate.json.
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate } from '../src/lib/server/db';
import { generateIn } from '../src/lib/server/dues/generate';
import { monthOf } from '../src/lib/domain/dues';
import { DEMO_RW } from '../src/lib/server/seed/demo';
import { benchArgs } from './lib/args';
import { round, writeResults } from './lib/report';

const { int } = benchArgs('usage: npm run bench:dues-generate -- [--runs N]', { options: { runs: { type: 'string', default: '3' } } });
const runs = int('runs', 1, 20);

class Rollback extends Error {}
const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	const [rw] = await db.query<{ id: string }>('select id from rw where code = $1', [DEMO_RW.code]);
	if (!rw) throw new Error('no demo RW: run npm run seed:scale -- --dues-months 60 first');
	const month = monthOf(new Date());
	const [{ houses, invoices }] = (await db.query<{ houses: number; invoices: number }>(
		'select (select count(*)::int from house where rw_id = $1) as houses, (select count(*)::int from dues_invoice where rw_id = $1) as invoices',
		[rw.id]
	)) as [{ houses: number; invoices: number }];
	const times: number[] = [];
	let created = 0;
	for (let i = 0; i <= runs; i++) {
		try {
			await db.transaction(async (tx) => {
				await tx.query('delete from dues_invoice where rw_id = $1 and month = $2 and not exists (select 1 from dues_allocation a where a.invoice_id = dues_invoice.id)', [rw.id, month]);
				const t0 = performance.now();
				created = await generateIn(tx, rw.id, month, null);
				const ms = performance.now() - t0;
				if (i > 0) times.push(ms); // the first run warms the plans
				console.log(`${i === 0 ? 'warm-up' : `run ${i}`}: ${created} invoices in ${ms.toFixed(0)} ms`);
				throw new Rollback();
			});
		} catch (err) {
			if (!(err instanceof Rollback)) throw err;
		}
	}
	times.sort((a, b) => a - b);
	const median = times[Math.floor(times.length / 2)]!;
	console.log(`median ${median.toFixed(0)} ms for ${created} invoices (${houses} houses, ${invoices} invoices in the RW; target < 2000 ms)`);
	const file = await writeResults('dues-generate', { houses, invoices, runs, backend: db.kind }, { created, median_ms: round(median, 1), min_ms: round(times[0], 1), max_ms: round(times.at(-1), 1) });
	console.log(`wrote ${file}`);
} finally {
	await db.close();
}
