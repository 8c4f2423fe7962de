import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, DEMO_PASSWORD, startApp, type RunningApp } from '../factories/app';
import { startPushEndpoint, type PushEndpoint } from '../factories/push-endpoint';

/**
 * Web Push through the built app: a resident's browser subscription is posted as the
 * settings page posts it; an RW admin's announcement with push reaches the local push
 * endpoint (trusted by the app through NODE_EXTRA_CA_CERTS), which decrypts it.
 */

let app: RunningApp;
let endpoint: PushEndpoint;
let dir: string;
let resident: Browserless;
let admin: Browserless;

beforeAll(async () => {
	endpoint = await startPushEndpoint();
	dir = await mkdtemp(path.join(tmpdir(), 'push-http-'));
	await writeFile(path.join(dir, 'ca.pem'), endpoint.ca);
	app = await startApp({ NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') });
	resident = new Browserless(app.url);
	await resident.login('081200000001', DEMO_PASSWORD);
	admin = new Browserless(app.url);
	await admin.login('081200000003', DEMO_PASSWORD);
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
	await endpoint?.close();
	if (dir) await rm(dir, { recursive: true, force: true });
});

function json(who: Browserless, method: 'POST' | 'DELETE', body: unknown, origin = app.url) {
	return fetch(`${app.url}/notifikasi/langganan`, {
		method,
		body: typeof body === 'string' ? body : JSON.stringify(body),
		headers: { cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/131.0' }
	});
}

describe('subscribing and receiving through the app', () => {
	it('refuses another origin and bad subscriptions with a clear answer, never a 500', async () => {
		const sub = endpoint.subscription();
		expect((await json(resident, 'POST', { subscription: sub }, 'https://evil.example')).status).toBe(403);
		const bad = await json(resident, 'POST', { subscription: { ...sub, endpoint: 'http://insecure.example/x' } });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({ error: 'Langganan notifikasi tidak valid.' });
		expect((await json(resident, 'POST', '{not json')).status).toBe(400);
		expect((await json(resident, 'POST', { subscription: { endpoint: sub.endpoint, keys: { p256dh: 'x', auth: 'y' } } })).status).toBe(400);
	});

	it('an announcement with push reaches the subscribed device, decrypted as the browser would; the device is listed and can be removed', async () => {
		const sub = endpoint.subscription();
		expect((await json(resident, 'POST', { subscription: { endpoint: sub.endpoint, keys: sub.keys } })).status).toBe(201);
		const settings = await (await resident.get('/notifikasi/pengaturan')).text();
		expect(settings).toContain('Chrome · Android');

		const form = new FormData();
		for (const [k, v] of Object.entries({ target: 'rw', title: 'Pemadaman listrik', body: 'Sabtu 09.00–12.00.', push: 'on' })) form.set(k, v);
		const posted = await admin.postForm('/pengumuman?/post', form);
		expect(posted.status).toBeLessThan(400);
		const [got] = await endpoint.waitFor(1, (r) => r.subscriptionId === sub.id);
		expect(got!.payload).toMatchObject({ title: 'Pengumuman', body: 'Pengumuman baru: Pemadaman listrik', url: expect.stringMatching(/^\/pengumuman#a-/) });
		expect(got!).toMatchObject({ urgency: 'normal', status: 201 });

		const removed = await json(resident, 'DELETE', { endpoint: sub.endpoint });
		expect(await removed.json()).toEqual({ removed: true });
		expect(await (await resident.get('/notifikasi/pengaturan')).text()).not.toContain('Chrome · Android');
	});
});
