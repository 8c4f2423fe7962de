// `npx tsx bench/dues-timing.ts` on a DATA_DIR grown by
// `npm run seed:scale -- --houses 2000 --dues-months 60` (embedded PGlite; stop the app first).
// Times the loads of the dues pages one after another in this process, as the demo
// treasurer and resident, set up as the runtime sets them up (sessions kept; on PGlite
// the session and dues-version changes followed): served from the kept view (a hit:
// on PGlite decided in this process, docs/dues.md "Cached views"), served from the
// kept view after a round trip for the version (a hit as on PostgreSQL: the stamp), and
// computed (a miss: the version and the page's statement, through a fresh cache).
// Prints the p10 and median of wall time and of the process's CPU (both threads) per call.
import { cacheSessions, followSessionChanges, SessionCache } from '../src/lib/server/auth/sessions';
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate, type Database } from '../src/lib/server/db';
import { followDuesVersions } from '../src/lib/server/dues/versions';
import { duesPages } from './dues/pages';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const sessions = new SessionCache(3_600_000);
cacheSessions(db, sessions);
await followSessionChanges(db, sessions);
const followed = (await followDuesVersions(db)) !== null;

/** A new object over the same database: its own (empty) view cache, no versions followed, no sessions kept. */
const fresh = (): Database => Object.create(db) as Database;
/** One such object for every call: its views stay kept, and each call asks for the version (the stamp). */
const stamped = fresh();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!.toFixed(2);

try {
	const pages = await duesPages(db, new Date());
	console.log(`${ROUNDS} calls each, one at a time; ms per call (wall p10 / median, CPU of both threads p10 / median)`);
	const kinds = [...(followed ? ([['hit', () => db]] as const) : []), ['hit (stamp)', () => stamped], ['miss', fresh]] as const;
	for (const [page, load] of pages) {
		for (const [kind, target] of kinds) {
			await load(target());
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
			console.log(`${page.padEnd(28)} ${kind.padEnd(11)} wall ${pct(wall, 0.1)} / ${pct(wall, 0.5)}  cpu ${pct(cpu, 0.1)} / ${pct(cpu, 0.5)}`);
		}
	}
} finally {
	await db.close();
}
