import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';

// Two built-app processes on one PostgreSQL, each with a session cache far longer than
// the test waits: a logout on one must end the session on the other at once.
describe.skipIf(!process.env.DATABASE_URL)('two app instances on one PostgreSQL', () => {
	let a: RunningApp;
	let b: RunningApp;
	beforeAll(async () => {
		a = await startApp({ SEED_DEMO: '1', SESSION_CACHE_SECONDS: '300' });
		b = await startApp({ SESSION_CACHE_SECONDS: '300' }, { sameDatabaseAs: a });
	});
	afterAll(async () => {
		// b first: a drops the database they share.
		expect(await b?.stop()).toBe(0);
		expect(await a?.stop()).toBe(0);
	});

	it('a logout on one instance ends the session on the other at once', async () => {
		const onA = new Browserless(a.url);
		await onA.login('081200000003', 'rukun-demo');
		const onB = new Browserless(b.url);
		onB.cookies = new Map(onA.cookies);
		expect((await onB.get('/rw')).status).toBe(200);
		expect((await onA.post('/logout', {})).status).toBe(303);
		await expect.poll(async () => (await onB.get('/rw')).status, { timeout: 5_000, interval: 50 }).toBe(303);
	});
});
