// The benchmark database: a fresh PGlite in a temp dir (or in memory), migrated, with
// one RW and N sensor devices inserted directly (secret_hash = sha256(secret)).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../src/lib/server/auth/tokens';
import type { Database } from '../../src/lib/server/db';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrate';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, PGLITE_OPTIONS } from '../../src/lib/server/db/pglite';
import { openPgliteThread } from '../../src/lib/server/db/pglite-thread';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RW_CODE = 'RW012';

export interface BenchDatabase {
	db: Database;
	/** The PGlite instance under `db` when it runs in this thread (for what the Database interface does not offer, e.g. COPY from a blob). */
	pg: PGlite | null;
	dataDir: string;
	rwId: string;
	ids: string[];
	secrets: string[];
	/** Closes the database and removes its directory. */
	dispose(): Promise<void>;
}

/**
 * Fresh PGlite in a temp dir (or in memory), migrated; one RW; `devices` sensors inserted directly
 * with secret_hash = sha256(secret). `thread: 'worker'` reopens it in a worker thread as the
 * app runs it (src/lib/server/db/pglite-thread.ts); not with `inMemory`. `measureCpu`: its
 * session gate also measures the worker's CPU time per hold (`SessionStats`).
 */
export async function benchDatabase(devices: number, options: { inMemory?: boolean; thread?: 'main' | 'worker'; measureCpu?: boolean } = {}): Promise<BenchDatabase> {
	if (options.inMemory && options.thread === 'worker') throw new Error('an in-memory bench database cannot move to a worker');
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-bench-ingest-'));
	let db: Database | null = null;
	try {
		const pg = await PGlite.create(options.inMemory ? 'memory://' : path.join(dataDir, 'pglite'), PGLITE_OPTIONS);
		db = fromPglite(pg);
		await migrate(db, await loadMigrations(path.join(ROOT, 'supabase/migrations')));
		const [rw] = await db.query<{ id: string }>(
			`insert into rw (code, name, kelurahan, city) values ($1, 'RW 012 (benchmark)', 'Benchmark', 'Jakarta Selatan') returning id`,
			[RW_CODE]
		);
		const ids = Array.from({ length: devices }, (_, i) => `bench-s-${String(i + 1).padStart(4, '0')}`);
		const secrets = ids.map(() => randomBytes(18).toString('base64url'));
		await db.query(
			`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm,
			                     siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 select id, $1, 'sensor', 'Bench sensor ' || id, 60, 300, 400, 100, 150, 200, h
			   from unnest($2::text[], $3::text[]) as t(id, h)`,
			[rw!.id, ids, secrets.map(sha256)]
		);
		let opened = db;
		let inThread: PGlite | null = pg;
		if (options.thread === 'worker') {
			await db.close();
			db = null;
			opened = db = await openPgliteThread(path.join(dataDir, 'pglite'), { measureCpu: options.measureCpu });
			inThread = null;
		}
		return {
			db: opened,
			pg: inThread,
			dataDir,
			rwId: rw!.id,
			ids,
			secrets,
			async dispose() {
				await opened.close();
				await rm(dataDir, { recursive: true, force: true });
			}
		};
	} catch (err) {
		await db?.close().catch(() => {});
		await rm(dataDir, { recursive: true, force: true });
		throw err;
	}
}
