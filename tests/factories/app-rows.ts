import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/lib/server/db';
import type { Database } from '../../src/lib/server/db/types';
import { APP_TEMPLATE_ENV, startApp, type RunningApp } from './app';

/**
 * The built app with rows a test writes as the owner (what another part of the system,
 * e.g. the alarm engine, would have stored). On PostgreSQL they are written while the
 * app runs; PGlite belongs to one process, so there the app starts once (migrations,
 * demo seed), stops, the rows are written into its data dir, and it starts again on it.
 */
export async function startAppWithRows(prepare: (db: Database) => Promise<void>, env: Record<string, string> = {}): Promise<RunningApp> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-rows-'));
	const template = process.env[APP_TEMPLATE_ENV];
	if (template && !process.env.DATABASE_URL) {
		// The HTTP suite's started-once data dir (tests/http/global-setup.ts): no first start needed.
		await cp(template, dataDir, { recursive: true });
		await writeRows(dataDir, prepare);
		return withCleanup(await startApp({ ...env, DATA_DIR: dataDir }), dataDir);
	}
	const first = await startApp({ ...env, DATA_DIR: dataDir });
	if (first.databaseUrl) {
		const db = await openDatabase({ databaseUrl: first.databaseUrl, dataDir });
		try {
			await prepare(db);
		} finally {
			await db.close();
		}
		return withCleanup(first, dataDir);
	}
	// Its exit code is not this test's subject (a shutdown on a loaded machine may pass the
	// app's 5 s limit); the database opens after any stop, replaying its log if need be.
	await first.stop();
	await writeRows(dataDir, prepare);
	return withCleanup(await startApp({ ...env, DATA_DIR: dataDir }), dataDir);
}

/** Opens the PGlite data dir of a stopped app, lets `prepare` write, and closes it. */
async function writeRows(dataDir: string, prepare: (db: Database) => Promise<void>): Promise<void> {
	const db = await openDatabase({ dataDir });
	try {
		await prepare(db);
	} finally {
		await db.close();
	}
}

function withCleanup(app: RunningApp, dataDir: string): RunningApp {
	return {
		...app,
		async stop() {
			const code = await app.stop();
			await rm(dataDir, { recursive: true, force: true });
			return code;
		}
	};
}
