import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView } from '../../src/lib/views/alerts';
import { demoSession, type Browserless, type RunningApp } from '../factories/app';
import { startAppWithRows } from '../factories/app-rows';
import { makeAlarm, makeSensor } from '../factories/alarms';

/**
 * Acknowledging an alarm on the built app: a same-origin form with a required note
 * (a Bahasa field error when empty, nothing stored), refused cross-site, and stored
 * once; the catch-up endpoint then shows who handled it.
 */
let app: RunningApp;
let officer: Browserless;
let alarmId = '';
const ACTION = { 'x-sveltekit-action': 'true', accept: 'application/json' };

beforeAll(async () => {
	app = await startAppWithRows(async (db) => {
		const [rw] = await db.query<{ id: string }>(`select id from rw where code = 'RW012'`);
		await makeSensor(db, rw!.id, 'http-wl-01', { name: 'Saluran uji' });
		alarmId = await makeAlarm(db, rw!.id, 'http-wl-01', { severity: 'major', siaga: 2, details: { levelCm: 162, risePer10Min: 8, nextSiaga: 1, etaMinutes: 25 } });
	});
	officer = await demoSession(app, '081200000005');
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

async function feedAlarm(client: Browserless): Promise<AlarmView | undefined> {
	const response = await client.get('/security/feed', { accept: 'application/json' });
	expect(response.status).toBe(200);
	const body = (await response.json()) as { alarms: AlarmView[]; feed: { token: string } | null };
	expect(body.feed?.token).toMatch(/\./);
	return body.alarms.find((a) => a.id === alarmId);
}

describe('acknowledging an alarm over HTTP', () => {
	it('shows the alarm with its details on the dashboard', async () => {
		const html = await (await officer.get('/security')).text();
		expect(html).toContain('Saluran uji');
		expect(html).toContain('Siaga 1 dalam ±25 menit');
		expect(html).toContain('<title>(1) ALARM · Pos keamanan');
	});

	it('refuses a cross-site POST (CSRF) and stores nothing', async () => {
		const response = await officer.post('/security?/acknowledge', { alarmId, note: 'dari situs lain' }, { origin: 'https://evil.example' });
		expect(response.status).toBe(403);
		expect((await feedAlarm(officer))?.acknowledgedAt).toBeNull();
	});

	it('answers an empty note with a field error in Bahasa Indonesia, keeping the alarm unacknowledged', async () => {
		const json = await officer.post('/security?/acknowledge', { alarmId, note: '   ' }, ACTION);
		const body = (await json.json()) as { type: string; status: number; data: string };
		expect(body).toMatchObject({ type: 'failure', status: 400 });
		expect(body.data).toContain('security.ack_note_required');
		// Without JavaScript the page comes back with the message under the field.
		const page = await officer.post('/security?/acknowledge', { alarmId, note: '' });
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('Tulis catatan penanganan.');
		expect((await feedAlarm(officer))?.acknowledgedAt).toBeNull();
	});

	it('shows an RT head the post read-only (no acknowledge form, no pump switches) and refuses their acknowledgement', async () => {
		const officerPage = await (await officer.get('/security')).text();
		expect(officerPage).toContain('Tandai ditangani');
		expect(officerPage).toContain('aria-label="Nyalakan Pompa Jl. Kelapa Hybrida"');

		const rtHead = await demoSession(app, '081200000002');
		const page = await rtHead.get('/security');
		expect(page.status).toBe(200);
		const html = await page.text();
		// Alarms with their details, the map, the levels and the device health …
		expect(html).toContain('Saluran uji');
		expect(html).toContain('Siaga 1 dalam ±25 menit');
		expect(html).toContain('data-testid="map"');
		expect(html).toContain('data-testid="device-http-wl-01"');
		expect(html).toContain('Anda dapat melihat alarm, tetapi tidak menanganinya.');
		// … and nothing to act with.
		expect(html).not.toContain('Tandai ditangani');
		expect(html).not.toContain('action="?/acknowledge"');
		expect(html).not.toContain('aria-label="Nyalakan Pompa');
		// Its live feed (read) works; the server refuses the acknowledgement itself.
		expect((await rtHead.get('/security/feed', { accept: 'application/json' })).status).toBe(200);
		expect((await rtHead.post('/security?/acknowledge', { alarmId, note: 'saya ketua RT' })).status).toBe(403);
		expect((await rtHead.post('/security?/acknowledge', { alarmId, note: 'saya ketua RT' }, ACTION)).status).toBe(403);
		expect((await rtHead.post('/security/pumps?/command', { id: 'rw012-pump-01', on: 'true' }, ACTION)).status).toBe(403);
		expect((await feedAlarm(officer))?.acknowledgedAt).toBeNull();
	});

	it('refuses a resident, then stores the officer’s acknowledgement once', async () => {
		const resident = await demoSession(app, '081200000001');
		expect((await resident.post('/security?/acknowledge', { alarmId, note: 'saya warga' }, ACTION)).status).toBe(403);

		const done = (await (await officer.post('/security?/acknowledge', { alarmId, note: 'Pompa 1 dinyalakan' }, ACTION)).json()) as { type: string };
		expect(done.type).toBe('success');
		const alarm = await feedAlarm(officer);
		expect(alarm).toMatchObject({ ackNote: 'Pompa 1 dinyalakan', acknowledgedByName: expect.any(String) });
		expect(alarm!.acknowledgedAt).not.toBeNull();
		const again = (await (await officer.post('/security?/acknowledge', { alarmId, note: 'lagi' }, ACTION)).json()) as { type: string; status: number };
		expect(again).toMatchObject({ type: 'failure', status: 409 });
		expect((await feedAlarm(officer))?.ackNote).toBe('Pompa 1 dinyalakan');
	});
});
