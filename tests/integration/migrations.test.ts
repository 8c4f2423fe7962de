import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrate';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';

let db: Database;
beforeAll(async () => {
	db = await freshDatabase();
});
afterAll(async () => db?.close());

describe('migrations', () => {
	it('runs on the engine this suite targets', () => {
		expect(db.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
	});

	it('records every file where the Supabase CLI does, and applies nothing twice', async () => {
		const migrations = await loadMigrations(path.resolve('supabase/migrations'));
		const recorded = await db.query<{ version: string }>(
			'select version from supabase_migrations.schema_migrations order by version'
		);
		expect(recorded.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
		expect(await migrate(db, migrations)).toEqual([]);
	});

	it('applies concurrent runs once (advisory lock)', async () => {
		const migrations = await loadMigrations(path.resolve('supabase/migrations'));
		const runs = await Promise.all([migrate(db, migrations), migrate(db, migrations)]);
		expect(runs.flat()).toEqual([]);
	});

	it('provides auth.uid() from the request claims', async () => {
		const id = '11111111-2222-4333-8444-555555555555';
		const rows = await db.transaction(async (tx) => {
			await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: id })]);
			return tx.query<{ uid: string }>('select auth.uid() as uid');
		});
		expect(rows[0]!.uid).toBe(id);
	});

	it('rolls back a failing migration and names it', async () => {
		const bad = [{ version: '29990101000000', name: 'broken', sql: 'create table ok_table (id int); select nonsense from nowhere;' }];
		await expect(migrate(db, bad)).rejects.toThrow(/29990101000000_broken/);
		const left = await db.query(`select 1 from pg_tables where tablename = 'ok_table'`);
		expect(left).toHaveLength(0);
	});
});
