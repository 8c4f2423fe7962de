import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openPgliteThread } from '../../src/lib/server/db/pglite-thread';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import type { Database } from '../../src/lib/server/db/types';
import { copyDir } from './scratch';

/**
 * A fresh, migrated database for one test file: a PGlite (the app's own adapter, in a
 * worker thread) on a copy of the migrated template data dir, removed again by
 * `close()`, or (DATABASE_URL) a new PostgreSQL database copied from the template,
 * with a pool of `max` connections (4). `idleInTransactionMs`: see
 * IDLE_IN_TRANSACTION_MS. Call `close()` in afterAll.
 */
export async function freshDatabase(options: { max?: number; idleInTransactionMs?: number } = {}): Promise<Database> {
	const template = inject('postgresTemplate');
	const url = process.env.DATABASE_URL;
	if (template && url) return throwawayPostgres(url, template, { max: options.max ?? 4, idleInTransactionMs: options.idleInTransactionMs });
	const pglite = inject('pgliteTemplate');
	if (!pglite) throw new Error('global setup provided no database');
	const parent = await mkdtemp(path.join(pglite.copies, 'db-'));
	const dir = path.join(parent, 'data');
	try {
		await copyDir(pglite.dir, dir);
		const db = await openPgliteThread(dir, { idleInTransactionMs: options.idleInTransactionMs });
		return {
			...db,
			async close() {
				try {
					await db.close();
				} finally {
					await rm(parent, { recursive: true, force: true });
				}
			}
		};
	} catch (err) {
		await rm(parent, { recursive: true, force: true });
		throw err;
	}
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
