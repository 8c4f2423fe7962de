import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/config';
import { setRuntime, startRuntime, type Runtime } from '../../src/lib/server/runtime';
import { GET } from '../../src/routes/healthz/+server';

/**
 * /healthz on a real runtime (PGlite, embedded broker): 200 while both are up, 503
 * with the part that is down named once the database or the broker goes away.
 */
let dataDir: string;
let runtime: Runtime;

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-health-'));
	const config = loadConfig({ DATA_DIR: dataDir, MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', SEED_DEMO: '0' });
	runtime = await startRuntime(config, { log: () => {} });
	setRuntime(runtime);
}, 180_000); // a runtime migrates its own new PGlite: seconds, more on a busy machine
afterAll(async () => {
	await runtime?.close();
	await rm(dataDir, { recursive: true, force: true });
});

const health = async () => {
	const response = await GET({} as Parameters<typeof GET>[0]);
	return { status: response.status, body: (await response.json()) as { status: string; database: { up: boolean }; broker: { up: boolean } } };
};

describe('/healthz', () => {
	it('answers 200 while the database and the broker are up, 503 when the broker or the database is down', async () => {
		expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', database: { up: true }, broker: { up: true } } });
		await runtime.broker.close();
		expect(await health()).toMatchObject({ status: 503, body: { status: 'degraded', database: { up: true }, broker: { up: false } } });
		await runtime.db.close();
		expect(await health()).toMatchObject({ status: 503, body: { status: 'degraded', database: { up: false }, broker: { up: false } } });
	});
});
