// `npx tsx bench/dues-timing.ts` on a DATA_DIR grown by
// `npm run seed:scale -- --houses 2000 --dues-months 60` (embedded PGlite; stop the app first).
// Times the loads of the dues pages one after another in this process, as the demo
// treasurer and resident: served from the kept view (a hit: the version check only)
// and computed (a miss: the check and the page's statement, through a fresh cache).
// Prints the p10 and median of wall time and of the process's CPU (both threads) per call.
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate, type Database } from '../src/lib/server/db';
import { duesPages } from './dues/pages';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });

/** A new object over the same database: its own (empty) view cache. */
const fresh = (): Database => Object.create(db) as Database;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!.toFixed(2);

try {
	const pages = await duesPages(db, new Date());
	console.log(`${ROUNDS} calls each, one at a time; ms per call (wall p10 / median, CPU of both threads p10 / median)`);
	for (const [page, load] of pages) {
		for (const [kind, target] of [['hit', () => db], ['miss', fresh]] as const) {
			await load(db);
			const wall: number[] = [];
			const cpu: number[] = [];
			for (let i = 0; i < ROUNDS; i++) {
				const d = target();
				const c0 = process.cpuUsage();
				const t0 = performance.now();
				await load(d);
				wall.push(performance.now() - t0);
				const c = process.cpuUsage(c0);
				cpu.push((c.user + c.system) / 1000);
			}
			console.log(`${page.padEnd(28)} ${kind.padEnd(4)} wall ${pct(wall, 0.1)} / ${pct(wall, 0.5)}  cpu ${pct(cpu, 0.1)} / ${pct(cpu, 0.5)}`);
		}
	}
} finally {
	await db.close();
}
