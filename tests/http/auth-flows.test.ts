import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBackend, Browserless, startApp, type RunningApp } from '../factories/app';

let app: RunningApp;
beforeAll(async () => {
	app = await startApp({}, { fresh: true }); // a true first start: it seeds the demo and prints its logins
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
	expect(app.output()).toMatch(/SIGTERM: shutting down/);
});

describe('start-up', () => {
	it('prints the URLs and the demo logins', () => {
		expect(app.output()).toMatch(/Demo logins \(password rukun-demo\)/);
		for (const phone of ['081200000001', '081200000002', '081200000003', '081200000004', '081200000005']) {
			expect(app.output()).toContain(phone);
		}
		expect(app.output()).toMatch(/MQTT \(WS\):\s+ws:\/\/\S+\/mqtt/);
	});

	it('reports health of database and broker', async () => {
		const response = await fetch(`${app.url}/healthz`);
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ status: 'ok', database: { up: true, kind: appBackend() }, broker: { up: true } });
	});

	it('refuses anonymous MQTT clients on the TCP port', async () => {
		const error = await new Promise<Error | null>((resolve) => {
			const client = mqtt.connect(`mqtt://127.0.0.1:${app.mqttPort}`, { reconnectPeriod: 0 });
			client.once('connect', () => {
				client.end(true);
				resolve(null);
			});
			client.once('error', (err) => {
				client.end(true);
				resolve(err);
			});
		});
		expect(error?.message).toMatch(/Bad username or password|Not authorized/i);
	});

	it('sends security headers and a CSP', async () => {
		const response = await fetch(`${app.url}/login`);
		const csp = response.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("default-src 'self'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		expect(response.headers.get('x-frame-options')).toBe('DENY');
	});
});

describe('login over HTTP', () => {
	it('accepts every phone spelling and lands each role in its area', async () => {
		const cases: [string, string][] = [
			['081200000001', '/'],
			['+62 812-0000-0002', '/rt'],
			['6281200000003', '/rw'],
			['0812 0000 0004', '/treasurer'],
			['+6281200000005', '/security']
		];
		for (const [phone, area] of cases) {
			const client = new Browserless(app.url);
			const response = await client.post('/login', { phone, password: 'rukun-demo' });
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe(area);
			const cookie = response.headers.getSetCookie().find((c) => c.startsWith('rukun_session='))!;
			expect(cookie).toMatch(/HttpOnly/i);
			expect(cookie).toMatch(/SameSite=Lax/i);
		}
	});

	it('shows a Bahasa Indonesia error for a wrong password and for a malformed phone', async () => {
		const client = new Browserless(app.url);
		const wrong = await client.post('/login', { phone: '081200000001', password: 'salah' });
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('Nomor HP atau kata sandi salah.');
		const malformed = await client.post('/login', { phone: '12ab', password: 'x' });
		expect(malformed.status).toBe(400);
		expect(await malformed.text()).toContain('Nomor HP tidak valid');
		expect(client.cookies.has('rukun_session')).toBe(false);
	});

	it('locks out after repeated failures with a clear message', async () => {
		const client = new Browserless(app.url);
		for (let i = 0; i < 5; i++) expect((await client.post('/login', { phone: '081299990000', password: `x${i}` })).status).toBe(400);
		const locked = await client.post('/login', { phone: '081299990000', password: 'x' });
		expect(locked.status).toBe(429);
		expect(await locked.text()).toMatch(/Terlalu banyak percobaan\. Coba lagi dalam \d+ menit\./);
	});

	it('refuses a form POST without a same-origin Origin header (CSRF)', async () => {
		const client = new Browserless(app.url);
		const missing = await client.post('/login', { phone: '081200000001', password: 'rukun-demo' }, { origin: '' });
		expect(missing.status).toBe(403);
		const foreign = await client.post('/login', { phone: '081200000001', password: 'rukun-demo' }, { origin: 'https://evil.example' });
		expect(foreign.status).toBe(403);
		expect(client.cookies.has('rukun_session')).toBe(false);
	});

	it('logs out: the old cookie no longer opens anything', async () => {
		const client = new Browserless(app.url);
		await client.login('081200000004', 'rukun-demo');
		const token = client.cookies.get('rukun_session')!;
		expect((await client.get('/treasurer')).status).toBe(200);
		expect((await client.post('/logout', {})).status).toBe(303);
		const replay = new Browserless(app.url);
		replay.cookies.set('rukun_session', token);
		expect((await replay.get('/treasurer')).status).toBe(303);
	});
});

describe('joining with an invite over HTTP', () => {
	it('RT head invites, a new resident joins and lands home; the code cannot be reused', async () => {
		const head = new Browserless(app.url);
		await head.login('081200000002', 'rukun-demo');
		const page = await (await head.get('/rt')).text();
		const rtId = /name="rtId" value="([0-9a-f-]{36})"/.exec(page)![1]!;
		const houseId = /<option value="([0-9a-f-]{36})">/.exec(page)![1]!;
		const created = await head.post('/rt?/invite', { role: 'resident', rtId, houseId, note: 'Bu Ani', validDays: '7' });
		expect(created.status).toBe(200);
		const code = /data-testid="invite-code">([A-Z0-9-]+)</.exec(await created.text())![1]!;

		const resident = new Browserless(app.url);
		const form = { code, name: 'Ani Suryani', phone: '0857 1111 2222', password: 'rahasia-ani', password_confirm: 'rahasia-ani' };
		const joined = await resident.post('/join', form);
		expect(joined.status).toBe(303);
		expect(joined.headers.get('location')).toBe('/');
		expect(await (await resident.get('/')).text()).toContain('Halo, Ani Suryani');

		const again = await new Browserless(app.url).post('/join', { ...form, phone: '0857 1111 3333' });
		expect(again.status).toBe(400);
		expect(await again.text()).toContain('Kode undangan sudah dipakai.');
	});

	it('rejects bad join input with field errors and keeps what was typed', async () => {
		const client = new Browserless(app.url);
		const response = await client.post('/join', {
			code: 'ABCD-EFGH-JK',
			name: 'x'.repeat(1000),
			phone: '0812',
			password: 'pendek',
			password_confirm: 'lain'
		});
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Terlalu panjang.');
		expect(html).toContain('Nomor HP tidak valid');
		expect(html).toContain('Kata sandi minimal 8 karakter.');
		expect(html).toContain('value="ABCD-EFGH-JK"');
	});
});
