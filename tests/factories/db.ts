import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openPgliteThread } from '../../src/lib/server/db/pglite-thread';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import type { Database } from '../../src/lib/server/db/types';

/**
 * A fresh, migrated database for one test file: a PGlite loaded from the migrated
 * dump, or (DATABASE_URL) a new PostgreSQL database copied from the template,
 * with a pool of `max` connections (4). `idleInTransactionMs`: see
 * IDLE_IN_TRANSACTION_MS. Call `close()` in afterAll.
 */
export async function freshDatabase(options: { max?: number; idleInTransactionMs?: number } = {}): Promise<Database> {
	const template = inject('postgresTemplate');
	const url = process.env.DATABASE_URL;
	if (template && url) return throwawayPostgres(url, template, { max: options.max ?? 4, idleInTransactionMs: options.idleInTransactionMs });
	const dumpFile = inject('pgliteDump');
	if (!dumpFile) throw new Error('global setup provided no database');
	// The app's own adapter: PGlite in a worker thread, loaded from the migrated dump.
	const dump = await readFile(dumpFile);
	return openPgliteThread(null, {
		dump: dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength),
		idleInTransactionMs: options.idleInTransactionMs
	});
}

/**
 * A new database on the PostgreSQL server of `url`, copied from `template` (or empty
 * when null), dropped again by `close()`.
 */
export async function throwawayPostgres(url: string, template: string | null, options: { max?: number; idleInTransactionMs?: number } = {}): Promise<Database> {
	const name = `rukun_t_${randomBytes(6).toString('hex')}`;
	const admin = postgres(url, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
	const dbUrl = new URL(url);
	dbUrl.pathname = `/${name}`;
	const db = await openPostgresThread(dbUrl.toString(), options);
	return {
		...db,
		async close() {
			await db.close();
			await admin.unsafe(`drop database if exists ${name} with (force)`);
			await admin.end();
		}
	};
}
