import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { APP_TEMPLATE_ENV, startApp } from '../factories/app';

/**
 * On PGlite, starts the built app once (migrations, demo seed: the slow part of a first
 * start) and keeps its data dir after a clean stop; each test file's app then starts
 * from a copy of it (tests/factories/app.ts), as it would after a restart. The first
 * start itself stays tested: auth-flows.test.ts starts `fresh`, and so does e2e.
 * On PostgreSQL (DATABASE_URL) each app migrates and seeds its own new database.
 */
export default async function setup() {
	if (process.env.DATABASE_URL) return;
	const app = await startApp({}, { fresh: true });
	const keep = await mkdtemp(path.join(os.tmpdir(), 'rukun-app-template-'));
	// stop() removes the data dir: copy it out after the clean shutdown.
	const code = await app.stop({ keepDataDir: async (dir) => cp(dir, keep, { recursive: true }) });
	if (code !== 0) throw new Error(`the template app stopped with ${code}:\n${app.output()}`);
	process.env[APP_TEMPLATE_ENV] = keep;
	return async () => {
		delete process.env[APP_TEMPLATE_ENV];
		await rm(keep, { recursive: true, force: true });
	};
}
