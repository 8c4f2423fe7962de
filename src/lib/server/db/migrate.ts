import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types';

/** Supabase CLI naming: `<timestamp>_<name>.sql`. */
const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;
/** Arbitrary constant: one advisory lock key for "migrations running". */
const MIGRATION_LOCK_KEY = 7_112_026;

export interface Migration {
	version: string;
	name: string;
	sql: string;
}

export async function loadMigrations(dir: string): Promise<Migration[]> {
	const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
	const migrations: Migration[] = [];
	for (const file of files) {
		const match = FILE_NAME.exec(file);
		if (!match) throw new Error(`Migration file name must be <14-digit timestamp>_<name>.sql: ${file}`);
		migrations.push({
			version: match[1] as string,
			name: match[2] as string,
			sql: await readFile(path.join(dir, file), 'utf8')
		});
	}
	return migrations;
}

/**
 * Applies the migrations not yet recorded, each in its own transaction, under an
 * advisory lock so that several instances starting together apply each file once.
 * Records them where the Supabase CLI does (supabase_migrations.schema_migrations).
 */
export async function migrate(db: Database, migrations: Migration[]): Promise<string[]> {
	return db.transaction(async (tx) => {
		// Lock first: concurrent `create … if not exists` can still collide.
		await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
		await tx.exec(`
			create schema if not exists supabase_migrations;
			create table if not exists supabase_migrations.schema_migrations (
				version text primary key,
				statements text[],
				name text
			);
		`);
		const rows = await tx.query<{ version: string }>(
			'select version from supabase_migrations.schema_migrations'
		);
		const done = new Set(rows.map((r) => r.version));
		const applied: string[] = [];
		for (const m of migrations) {
			if (done.has(m.version)) continue;
			try {
				await tx.exec(m.sql);
			} catch (err) {
				throw new Error(`Migration ${m.version}_${m.name} failed: ${(err as Error).message}`, {
					cause: err
				});
			}
			await tx.query(
				'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
				[m.version, m.name, [m.sql]]
			);
			applied.push(`${m.version}_${m.name}`);
		}
		return applied;
	});
}
