import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { fromPglite, PGLITE_OPTIONS } from '../../src/lib/server/db/pglite';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrate';
import { scratchDir } from '../factories/scratch';

declare module 'vitest' {
	export interface ProvidedContext {
		/** PGlite: a migrated data dir each test file copies (tests/factories/db.ts), beside the copies' parent dir. */
		pgliteTemplate: { dir: string; copies: string } | null;
		/** PGlite: the same migrated data dir as a dump (`dumpDataDir`), for a PGlite in memory. */
		pgliteDump: string | null;
		/** PostgreSQL: a migrated template database each test file copies. */
		postgresTemplate: string | null;
	}
}

/**
 * Migrates one database once; each test file then gets its own fresh copy.
 * With DATABASE_URL set the same suite runs on a real PostgreSQL.
 */
export default async function setup(project: TestProject) {
	const migrations = await loadMigrations(path.resolve('supabase/migrations'));
	const url = process.env.DATABASE_URL;
	if (url) {
		const template = `rukun_tpl_${process.pid}`;
		const admin = postgres(url, { max: 1, onnotice: () => {} });
		await admin.unsafe(`drop database if exists ${template}`);
		await admin.unsafe(`create database ${template}`);
		const tplUrl = new URL(url);
		tplUrl.pathname = `/${template}`;
		const db = await openPostgresThread(tplUrl.toString(), { max: 1 });
		await migrate(db, migrations);
		await db.close();
		project.provide('postgresTemplate', template);
		project.provide('pgliteTemplate', null);
		project.provide('pgliteDump', null);
		return async () => {
			await admin.unsafe(`drop database if exists ${template} with (force)`);
			await admin.end();
		};
	}
	// Opening a copy of the data dir (tests/factories/scratch.ts) costs ~1 s of CPU less than
	// loading the dump into PGlite's in-memory file system (its untar).
	const dir = await scratchDir('rukun-test-');
	const templateDir = path.join(dir, 'migrated');
	const pg = await PGlite.create(templateDir, PGLITE_OPTIONS);
	await migrate(fromPglite(pg), migrations);
	const dump = await pg.dumpDataDir('none');
	await pg.close();
	const file = path.join(dir, 'migrated.tar');
	await writeFile(file, Buffer.from(await dump.arrayBuffer()));
	project.provide('pgliteTemplate', { dir: templateDir, copies: dir });
	project.provide('pgliteDump', file);
	project.provide('postgresTemplate', null);
	return async () => {
		await rm(dir, { recursive: true, force: true });
	};
}
