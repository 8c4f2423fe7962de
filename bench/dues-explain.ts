// `npx tsx bench/dues-explain.ts` on a DATA_DIR grown by
// `npm run seed:scale -- --houses 2000 --dues-months 60` (embedded PGlite; stop the app first).
// Runs the loads of the dues pages that `npm run bench:http -- --scenario dues` measures
// (the treasurer's dashboard, the monthly report, the resident's /iuran) through their
// own functions, as the demo treasurer and resident (RLS on), and prints each of their
// statements' plan with `EXPLAIN ANALYZE` (bench/README.md, "Dues"). The statements
// are caught on their way to the database, so the plans are those of the code as it is.
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate, type Database, type Statement } from '../src/lib/server/db';
import { duesPages } from './dues/pages';

const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
if (db.kind !== 'pglite') throw new Error('bench/dues-explain.ts reads the plans of the embedded PGlite: unset DATABASE_URL');

/** The page reads go through `batch` (the claims, then the statement): explain the statement there. */
function explaining(inner: Database, plans: { text: string; plan: string }[]): Database {
	return new Proxy(inner, {
		get(target, key, receiver) {
			if (key !== 'batch') return Reflect.get(target, key, receiver) as unknown;
			return async (statements: Statement[]) => {
				const [claims, ...rest] = statements;
				for (const s of rest) {
					const [, rows] = await target.batch([claims!, { text: `explain (analyze, costs off, summary on) ${s.text}`, params: s.params }]);
					plans.push({ text: s.text, plan: (rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n') });
				}
				return target.batch(statements);
			};
		}
	});
}

try {
	const pages = await duesPages(db, new Date());
	for (const [page, load] of pages) {
		await load(db); // warm the plans and caches, as the benchmark's warm-up does
		const plans: { text: string; plan: string }[] = [];
		await load(explaining(db, plans));
		console.log(`\n### ${page}: ${plans.length} statements\n`);
		for (const p of plans) {
			console.log('```');
			console.log(p.text.replace(/\s+/g, ' ').trim());
			console.log('---');
			console.log(p.plan);
			console.log('```');
		}
	}
} finally {
	await db.close();
}
