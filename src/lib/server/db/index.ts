import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { loadMigrations, migrate } from './migrate';
import { openPglite } from './pglite';
import { openPgliteThread } from './pglite-thread';
import { openPostgresThread } from './postgres-thread';
import type { Database } from './types';

export type { Database, Sql, Statement } from './types';
export { realtimeOf } from './types';
export { batchAsUser, isChangedSinceRead, listAsUser, queryAsUser, withAnon, withUser, type Claims } from './with-user';

/** supabase/migrations, found from the source tree or the built server alike. */
export function migrationsDir(): string {
	const candidates = [
		path.resolve(process.cwd(), 'supabase/migrations'),
		path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../supabase/migrations')
	];
	const found = candidates.find((dir) => existsSync(dir));
	if (!found) throw new Error(`supabase/migrations not found (looked in ${candidates.join(', ')})`);
	return found;
}

export interface OpenOptions {
	databaseUrl?: string;
	dataDir: string;
	/** PGlite in a worker thread (default), or in the calling thread. */
	pgliteThread?: 'worker' | 'main';
	/** PGlite in its worker: the session gate measures CPU and run-queue time per hold and traces requests (benchmarks; Linux). */
	measureCpu?: boolean;
}

/** Opens PostgreSQL when a URL is given, else the embedded PGlite in dataDir/pglite. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
	if (options.databaseUrl) return openPostgresThread(options.databaseUrl);
	const dir = path.join(options.dataDir, 'pglite');
	await mkdir(dir, { recursive: true });
	return options.pgliteThread === 'main' ? openPglite(dir) : openPgliteThread(dir, { measureCpu: options.measureCpu });
}

export async function openAndMigrate(options: OpenOptions): Promise<Database> {
	const db = await openDatabase(options);
	try {
		await migrate(db, await loadMigrations(migrationsDir()));
	} catch (err) {
		await db.close();
		throw err;
	}
	return db;
}
