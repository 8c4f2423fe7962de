import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';

// What attacking a running instance found, each tried again against the built app.
// ADDRESS_HEADER lets each test come from its own address, so each stands alone
// against the per-address login limit.
const METRICS_TOKEN = 'metrics-token-for-the-http-test-0123456789';
let app: RunningApp;
beforeAll(async () => {
	app = await startApp({ METRICS_TOKEN, ADDRESS_HEADER: 'x-forwarded-for' });
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

const from = (address: string) => ({ 'x-forwarded-for': address });

async function admin(address: string) {
	const client = new Browserless(app.url);
	const response = await client.post('/login', { phone: '081200000003', password: 'rukun-demo' }, from(address));
	expect(response.status).toBe(303);
	return client;
}

describe('redirect targets', () => {
	it('never sends a logged-in user off the site, however the next path is spelt', async () => {
		const client = await admin('10.60.0.1');
		for (const next of ['/%09/evil.example', '/%0a/evil.example', '//evil.example', '/%5Cevil.example', '/.//evil.example', 'https://evil.example']) {
			const response = await client.get(`/login?next=${next}`);
			expect(response.status, next).toBe(303);
			expect(response.headers.get('location'), next).toBe('/rw');
		}
		expect((await client.get('/login?next=%2Fregistry%3Fq%3Dsiti')).headers.get('location')).toBe('/registry?q=siti');
	});

	it('answers CR/LF and non-ASCII in next with a redirect, not a 500', async () => {
		const client = await admin('10.60.0.2');
		for (const next of ['/%0d%0aSet-Cookie:%20x=1', '/%0d%0a', '/%0a', '/%C3%A9', '/%F0%9F%91%80']) {
			const response = await client.get(`/login?next=${next}`);
			expect(response.status, next).toBe(303);
			expect(response.headers.get('location'), next).toMatch(/^\/[\x21-\x7e]*$/);
			expect(response.headers.getSetCookie().some((c) => c.startsWith('x=')), next).toBe(false);
		}
		const afterLogin = await new Browserless(app.url).post('/login?next=/%0d%0a', { phone: '081200000003', password: 'rukun-demo' }, from('10.60.0.2'));
		expect(afterLogin.status).toBe(303);
		expect(afterLogin.headers.get('location')).toBe('/');
	});
});

describe('registry search input', () => {
	it('answers a 5,000-character or NUL search with a 400 that says why', async () => {
		const client = await admin('10.61.0.1');
		for (const query of [`q=${'a'.repeat(5000)}`, 'q=si%00ti', 'house=A1%0012']) {
			const response = await client.get(`/registry?${query}`);
			expect(response.status, query.slice(0, 20)).toBe(400);
			expect(await response.text()).toContain('Pencarian tidak dapat dibaca');
		}
		expect((await client.get('/registry?q=siti')).status).toBe(200);
	});
});

describe('form input', () => {
	it('answers a NUL in a form field (urlencoded or multipart) with a 400 that says why', async () => {
		const client = await admin('10.66.0.1');
		const refused = await client.post('/rw/invites?/invite', { role: 'treasurer', note: 'a\u0000b', validDays: '7' });
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('karakter yang tidak diizinkan');
		const multipart = new FormData();
		multipart.set('note', 'x\u0000y');
		expect((await client.postForm('/rw/invites?/invite', multipart)).status).toBe(400);
		expect((await client.post('/rw/invites?/invite', { role: 'treasurer', note: 'Bu Dewi', validDays: '7' })).status).toBe(200);
	});
});

describe('login limits under parallel requests', () => {
	it('tries only 5 of 30 simultaneous wrong passwords for one phone', async () => {
		const responses = await Promise.all(
			Array.from({ length: 30 }, (_, i) => new Browserless(app.url).post('/login', { phone: '081299991001', password: `salah-${i}` }, from(`10.62.0.${i + 1}`)))
		);
		const statuses = responses.map((r) => r.status);
		expect(statuses.filter((s) => s === 400)).toHaveLength(5);
		expect(statuses.filter((s) => s === 429)).toHaveLength(25);
	});

	it('tries only 30 of 100 simultaneous attempts from one address', async () => {
		const responses = await Promise.all(
			Array.from({ length: 100 }, (_, i) => new Browserless(app.url).post('/login', { phone: `0812999920${String(i).padStart(2, '0')}`, password: 'salah' }, from('10.63.0.1')))
		);
		const statuses = responses.map((r) => r.status);
		expect(statuses.filter((s) => s === 400)).toHaveLength(30);
		expect(statuses.filter((s) => s === 429)).toHaveLength(70);
	});
});

describe('/metrics', () => {
	it('is closed to a visitor from localhost and to a resident, open to the token and to an RW admin', async () => {
		expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
		expect((await fetch(`${app.url}/metrics`, { headers: from('127.0.0.1') })).status).toBe(401);
		expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
		const scraped = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
		expect(scraped.status).toBe(200);
		expect(await scraped.text()).toContain('rukun_mqtt_messages_in_total');
		const resident = new Browserless(app.url);
		expect((await resident.post('/login', { phone: '081200000001', password: 'rukun-demo' }, from('10.64.0.1'))).status).toBe(303);
		expect((await resident.get('/metrics')).status).toBe(401);
		expect((await (await admin('10.64.0.2')).get('/metrics')).status).toBe(200);
	});
});

describe('security headers', () => {
	const expectHeaders = (response: Response, what: string) => {
		expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
		expect(response.headers.get('x-frame-options'), what).toBe('DENY');
		expect(response.headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');
		expect(response.headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
		expect(response.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
	};

	it('come with the guard’s 401, 403 and login redirect, and with static files', async () => {
		const resident = new Browserless(app.url);
		expect((await resident.post('/login', { phone: '081200000001', password: 'rukun-demo' }, from('10.65.0.1'))).status).toBe(303);
		const forbidden = await resident.get('/rw');
		expect(forbidden.status).toBe(403);
		expectHeaders(forbidden, '403');
		const visitor = new Browserless(app.url);
		const unauthorised = await visitor.post('/rw/members', { x: '1' });
		expect(unauthorised.status).toBe(401);
		expectHeaders(unauthorised, '401');
		const toLogin = await visitor.get('/rw');
		expect(toLogin.status).toBe(303);
		expectHeaders(toLogin, '303');
		const manifest = await visitor.get('/manifest.webmanifest');
		expect(manifest.status).toBe(200);
		expectHeaders(manifest, 'static file');
		// A page keeps its own policy (with its script nonce), not the fallback.
		const page = await visitor.get('/login');
		expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/);
	});
});

describe('/v/<unknown token>', () => {
	it('is a 404 that still explains itself, with the headers', async () => {
		const response = await fetch(`${app.url}/v/${'A'.repeat(24)}`);
		expect(response.status).toBe(404);
		const html = await response.text();
		expect(html).toContain('TIDAK DITEMUKAN');
		expect(html).toContain('data-verdict="not_found"');
		expect(html).toContain('name="robots" content="noindex"');
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
	});
});
