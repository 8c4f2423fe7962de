import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSecret } from '../../src/lib/server/seed/demo-devices';
import { Browserless, demoSession, DEMO_PASSWORD, startApp, type RunningApp } from '../factories/app';

/**
 * Flood pages against the built app with the demo RW's seeded devices: the public
 * /banjir (no login, no personal data), the resident's water level, the pump page
 * (who may see it and command), and the RW admin's sensor settings and silence.
 */
let app: RunningApp;
const sensors: mqtt.MqttClient[] = [];
const ACTION = { 'x-sveltekit-action': 'true', accept: 'application/json' };

/** Readings of a demo sensor (distances from its 300 cm mounting height), each stored before the next. */
async function report(id: string, distancesCm: number[]) {
	const sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`, { clientId: id, username: id, password: demoSecret(DEMO_PASSWORD, id), reconnectPeriod: 0 });
	sensors.push(sensor);
	for (const [i, distance_cm] of distancesCm.entries()) await sensor.publishAsync(`rw/RW012/sensor/${id}/level`, JSON.stringify({ distance_cm, seq: i + 1 }), { qos: 1 });
}

beforeAll(async () => {
	app = await startApp();
	// 300 − 140 = 160 cm of water, three times: the alarm engine raises Siaga 2 (kritis, 150 cm).
	await report('rw012-wl-01', [140, 140, 140]);
	// 50 and 52 cm, then one echo at 240 cm (Siaga 1 as a reading): the engine's median stays normal.
	await report('rw012-wl-03', [250, 248, 60]);
});
afterAll(async () => {
	await Promise.all(sensors.map((s) => s.endAsync()));
	expect(await app?.stop()).toBe(0);
});

const html = async (r: Response) => ({ status: r.status, text: await r.text() });

/** The page once the rollups (written each second) carry the reading. */
async function pageWith(client: Browserless, path: string, needle: string) {
	let last = '';
	await expect
		.poll(async () => {
			last = (await html(await client.get(path))).text;
			return last.includes(needle);
		}, { timeout: 15_000 })
		.toBe(true);
	return last;
}

describe('public /banjir', () => {
	it("shows every demo sensor with level, the alarm engine's Siaga and time to anyone, and no personal data", async () => {
		const visitor = new Browserless(app.url);
		// The alarm is recorded just after the readings are stored: wait for both.
		await pageWith(visitor, '/banjir', 'data-testid="water-rw012-wl-01" data-siaga="2"');
		const text = await pageWith(visitor, '/banjir', '240.0 cm');
		expect(text).toContain('Saluran Jl. Kelapa Hybrida');
		expect(text).toContain('Pintu air Kali Betik');
		expect(text).toContain('Siaga 2 – kritis');
		// The echo shows as a reading, not as a level: no Siaga 1.
		expect(text).toContain('data-testid="water-rw012-wl-03" data-siaga="4"');
		expect(text).not.toContain('Siaga 1 – bencana');
		expect(text).toMatch(/Pembacaan terakhir \d+ Desember|Pembacaan terakhir \d+ \w+ \d{4}/);
		// No people: no names of the registry or the users, no phones, no NIK, no house.
		for (const personal of ['Siti Rahmawati', 'Joko Santoso', 'Hendra Wijaya', '0812', '+62812', '3172064508880001', 'Blok A1', 'No. 1']) expect(text).not.toContain(personal);
		expect(text).not.toMatch(/\d{16}/);
		const byCode = await html(await visitor.get('/banjir/RW012'));
		expect(byCode.status).toBe(200);
		expect(byCode.text).toContain('Saluran Blok E');
		expect((await visitor.get('/banjir/RW999')).status).toBe(404);
	});
});

describe('resident water level', () => {
	it('shows the resident the sensor of her RT with its Siaga label, trend and time', async () => {
		const resident = await demoSession(app, '081200000001');
		const text = await pageWith(resident, '/', 'data-testid="water-rw012-wl-01"');
		expect(text).toContain('Siaga 2 – kritis');
		expect(text).toContain('160.0 cm');
		expect(text).not.toContain('data-testid="water-rw012-wl-02"');
	});
});

describe('pumps page', () => {
	it('lets the officer and the RW admin in, suggests the RT 001 pump at Siaga 2, refuses the others', async () => {
		const officer = await demoSession(app, '081200000005');
		const text = await pageWith(officer, '/security/pumps', 'Disarankan menyalakan');
		expect(text).toContain('Pompa Jl. Kelapa Hybrida');
		const admin = await demoSession(app, '081200000003');
		expect((await admin.get('/security/pumps')).status).toBe(200);
		for (const phone of ['081200000001', '081200000002']) {
			const member = await demoSession(app, phone);
			expect((await member.get('/security/pumps')).status).toBe(403);
			expect((await member.post('/security/pumps?/command', { id: 'rw012-pump-01', on: 'true' }, ACTION)).status).toBe(403);
		}
		// A cross-site form post is refused (CSRF origin check).
		expect((await officer.post('/security/pumps?/command', { id: 'rw012-pump-01', on: 'true' }, { ...ACTION, origin: 'https://evil.example' })).status).toBe(403);
		const sent = await officer.post('/security/pumps?/command', { id: 'rw012-pump-01', on: 'true' }, ACTION);
		expect(await sent.json()).toMatchObject({ type: 'success' });
		const after = await html(await officer.get('/security/pumps'));
		expect(after.text).toMatch(/data-state="(pending|failed)"/);
		expect(after.text).toContain('Joko Santoso');
		expect(await (await officer.post('/security/pumps?/command', { id: 'rw012-wl-01', on: 'true' }, ACTION)).json()).toMatchObject({ type: 'failure', status: 404 });
	});
});

describe('sensor settings and silence (RW admin)', () => {
	const page = '/rw/devices/rw012-wl-02';
	const wib = (ms: number) => new Date(Date.now() + ms + 7 * 3600_000).toISOString().slice(0, 16);

	it('refuses thresholds out of order or beyond the range with field errors, keeps what was typed, saves valid ones', async () => {
		const admin = await demoSession(app, '081200000003');
		const form = { siaga3Cm: '160', siaga2Cm: '150', siaga1Cm: '200', riseLimitCmPer10Min: '8', reportIntervalS: '30' };
		const order = await (await admin.post(`${page}?/settings`, form, ACTION)).json();
		expect(order).toMatchObject({ type: 'failure', status: 400 });
		expect(order.data).toContain('errors.siaga_order');
		expect(order.data).toContain('160');
		const range = await (await admin.post(`${page}?/settings`, { ...form, siaga3Cm: '100', siaga1Cm: '400' }, ACTION)).json();
		expect(range.data).toContain('errors.siaga_range');
		const empty = await (await admin.post(`${page}?/settings`, { ...form, siaga3Cm: '', reportIntervalS: '2' }, ACTION)).json();
		expect(empty.data).toContain('errors.required');
		expect(empty.data).toContain('errors.number_range');
		// The page shows the Indonesian message, not the key.
		const shown = await html(await admin.post(`${page}?/settings`, form));
		expect(shown.status).toBe(400);
		expect(shown.text).toContain('Ambang harus naik: Siaga 3 &lt; Siaga 2 &lt; Siaga 1.');
		expect(await (await admin.post(`${page}?/settings`, { ...form, siaga3Cm: '90' }, ACTION)).json()).toMatchObject({ type: 'success' });
		const saved = await html(await admin.get(page));
		expect(saved.text).toContain('value="90"');
		expect(saved.text).toContain('value="8"');
		// Only the RW admin: the officer's post is refused by the area guard.
		const officer = await demoSession(app, '081200000005');
		expect((await officer.post(`${page}?/settings`, form, ACTION)).status).toBe(403);
	});

	it('silences a faulty sensor until a chosen time with a reason, shows it, and ends it early', async () => {
		const admin = await demoSession(app, '081200000003');
		const past = await (await admin.post(`${page}?/silence`, { until: wib(-3600_000), reason: 'Sensor kotor' }, ACTION)).json();
		expect(past.data).toContain('errors.silence_past');
		const long = await (await admin.post(`${page}?/silence`, { until: wib(40 * 86_400_000), reason: 'Sensor kotor' }, ACTION)).json();
		expect(long.data).toContain('errors.silence_too_long');
		const noReason = await (await admin.post(`${page}?/silence`, { until: wib(3600_000), reason: ' ' }, ACTION)).json();
		expect(noReason.data).toContain('errors.reason_short');
		const bad = await (await admin.post(`${page}?/silence`, { until: 'besok', reason: 'Sensor kotor' }, ACTION)).json();
		expect(bad.data).toContain('errors.datetime_invalid');
		expect(await (await admin.post(`${page}?/silence`, { until: wib(3600_000), reason: 'Sensor tertutup sampah' }, ACTION)).json()).toMatchObject({ type: 'success' });
		const silenced = await html(await admin.get(page));
		expect(silenced.text).toContain('data-testid="silenced"');
		expect(silenced.text).toContain('Sensor tertutup sampah');
		expect(silenced.text).toContain('Hendra Wijaya');
		expect(await (await admin.post(`${page}?/unsilence`, {}, ACTION)).json()).toMatchObject({ type: 'success' });
		expect((await html(await admin.get(page))).text).not.toContain('data-testid="silenced"');
	});
});
