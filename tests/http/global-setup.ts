import { rm } from 'node:fs/promises';
import { APP_PG_TEMPLATE_ENV, APP_TEMPLATE_ENV, dropDatabase, startApp } from '../factories/app';
import { copyDir, scratchDir } from '../factories/scratch';

/**
 * On PGlite, starts the built app once (migrations, demo seed: the slow part of a first
 * start) and keeps its data dir after a clean stop; each test file's app then starts
 * from a copy of it (tests/factories/app.ts), as it would after a restart. The first
 * start itself stays tested: auth-flows.test.ts starts `fresh`, and so does e2e.
 * On PostgreSQL (DATABASE_URL) the same: its database is kept as the template each app's own
 * database is created from, and its data dir (the NIK/KK key that encrypted the seed) is copied
 * beside each.
 */
export default async function setup() {
	const serverUrl = process.env.DATABASE_URL;
	const app = await startApp({}, { fresh: true });
	const keep = await scratchDir('rukun-app-template-');
	// stop() removes the data dir: copy it out after the clean shutdown.
	const code = await app.stop({ keepDataDir: (dir) => copyDir(dir, keep), keepDatabase: true });
	if (code !== 0) throw new Error(`the template app stopped with ${code}:\n${app.output()}`);
	process.env[APP_TEMPLATE_ENV] = keep;
	if (app.databaseName) process.env[APP_PG_TEMPLATE_ENV] = app.databaseName;
	return async () => {
		delete process.env[APP_TEMPLATE_ENV];
		delete process.env[APP_PG_TEMPLATE_ENV];
		await rm(keep, { recursive: true, force: true });
		if (serverUrl && app.databaseName) await dropDatabase(serverUrl, app.databaseName);
	};
}
