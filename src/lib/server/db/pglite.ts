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

/** Extensions the migrations use (pg_trgm: the registry migration creates a trigram index that a later one replaces); loaded into every instance. */
export const PGLITE_OPTIONS = { extensions: { pg_trgm } } satisfies PGliteOptions;

/** Opens (or creates) an embedded database in dataDir; `memory://` for tests. */
export async function openPglite(dataDir: string): Promise<Database> {
	const pg = await PGlite.create(dataDir, PGLITE_OPTIONS);
	return fromPglite(pg);
}
