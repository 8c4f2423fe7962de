import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgliteCopyStatement } from './copy';
import { batchIn, type Database, type Sql } from './types';

function wrap(pg: Pick<PGlite, 'query' | 'exec'>): Sql {
	return {
		async query<T>(text: string, params: unknown[] = []) {
			const result = await pg.query<T>(text, params);
			return result.rows;
		},
		async exec(text: string) {
			await pg.exec(text);
		}
	};
}

/** Wraps an open PGlite instance (embedded PostgreSQL in WASM). */
export function fromPglite(pg: PGlite): Database {
	const sql = wrap(pg);
	return {
		kind: 'pglite',
		...sql,
		transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
		batch: (statements) => pg.transaction((tx) => batchIn(wrap(tx), statements)),
		copyIn: async (table, columns, data, after = []) => {
			const copy = pgliteCopyStatement(table, columns);
			return pg.transaction(async (tx) => {
				await tx.query(copy, [], { blob: new Blob([data]) });
				return batchIn(wrap(tx), after);
			});
		},
		async ping() {
			try {
				await pg.query('select 1');
				return true;
			} catch {
				return false;
			}
		},
		close: () => pg.close()
	};
}

/**
 * PostgreSQL settings PGlite starts with, after its own (`PGlite.defaultStartParams`).
 * `shared_buffers`: PGlite's default of 128 MB is reserved in the WASM heap and
 * touched when the database opens, so it stays resident, and WASM memory is never
 * given back (the process held 342 MB right after opening a data directory, 241 MB
 * with 32 MB; with 16 MB the WASM memory is 18 MB smaller than with 32). The pages
 * are in the OS page cache anyway (NODEFS reads files through the kernel), so a
 * smaller pool costs a system call per page read from it, not a disk read
 * (bench/README.md, memory sections).
 */
export const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

/** Extensions the migrations use (pg_trgm: the registry migration creates a trigram index that a later one replaces); loaded into every instance. */
export const PGLITE_OPTIONS = {
	extensions: { pg_trgm },
	startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS]
} satisfies PGliteOptions;

/**
 * Run once on PGlite's one session when it opens. Its pages are all in memory or the
 * OS cache, so a random read costs about what a sequential one does. With the
 * default (4) the registry's RT filter was planned as a bitmap scan of the RT plus a
 * sort (0.55 ms at 10,000 residents); with 1.1 it reads the `(rt_id, name, id)`
 * index in order and stops after the page (0.30 ms). PostgreSQL gets the same
 * setting for these reads inside app.read_as_user.
 */
export const PGLITE_SESSION_SQL = 'set random_page_cost = 1.1';

/** Opens (or creates) an embedded database in dataDir; `memory://` for tests. */
export async function openPglite(dataDir: string): Promise<Database> {
	const pg = await PGlite.create(dataDir, PGLITE_OPTIONS);
	await pg.exec(PGLITE_SESSION_SQL);
	return fromPglite(pg);
}
