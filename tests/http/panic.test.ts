import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/lib/views/alerts';
import { APP_TEMPLATE_ENV, Browserless, DEMO_PASSWORD, startApp, type RunningApp } from '../factories/app';

/**
 * Panic incidents on the built app. First, no press lost: presses from the phone (HTTP)
 * and from a panic button (MQTT) stream while the server process is killed and started
 * again on the same data; every press the sender saw confirmed is recorded exactly
 * once. Then, on the restarted app, the phone API's rules: the rate limit, the cancel
 * window and who may do what.
 */
let dataDir: string;
let first: RunningApp;
let app: RunningApp;
const PHONES = ['+6281200000001', '+6281200000002', '+6281200000003', '+6281200000004', '+6281200000005'];
const clients = new Map<string, Browserless>();
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** A JSON POST as the phone sends it (the session cookie; fetch sets no Origin on a same-origin JSON call here). */
async function postJson(client: Browserless, base: string, pathname: string, body: unknown): Promise<Response> {
	const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	return fetch(base + pathname, { method: 'POST', headers: { ...JSON_HEADERS, cookie, origin: base }, body: JSON.stringify(body) });
}

async function login(base: string, phone: string): Promise<Browserless> {
	const c = new Browserless(base);
	await c.login(phone, DEMO_PASSWORD);
	return c;
}

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-panic-'));
	// The suite's started-once data dir (PGlite), as startApp would copy it: this file keeps the dir across the restart.
	const template = process.env[APP_TEMPLATE_ENV];
	if (template && !process.env.DATABASE_URL) await cp(template, dataDir, { recursive: true });
	first = await startApp({ DATA_DIR: dataDir });
	for (const phone of PHONES) clients.set(phone, await login(first.url, phone));
});

afterAll(async () => {
	await app?.stop();
	await first?.stop();
	await rm(dataDir, { recursive: true, force: true });
});

describe('no press lost across a crash and restart', () => {
	it('records every confirmed press exactly once, from the phone and from a button', async () => {
		const devices = JSON.parse(await readFile(path.join(dataDir, 'demo-devices.json'), 'utf8')) as { rw: string; devices: { id: string; kind: string; secret: string }[] };
		const button = devices.devices.find((d) => d.kind === 'panic')!;
		let current = first;
		let restarted: () => void = () => {};
		const back = new Promise<void>((resolve) => (restarted = resolve));
		let confirmations = 0;
		/** Sends cut by the crash (the test is worthless if none were). */
		let interrupted = 0;
		let crashed: (done: Promise<void>) => void = () => {};
		const killed = new Promise<Promise<void>>((resolve) => (crashed = resolve));
		const confirmed = () => {
			confirmations++;
			// Killed with presses in flight: after the 12th confirmation, without waiting.
			if (confirmations === 12) crashed(current.kill('SIGKILL'));
		};

		// The phones: 4 presses per user (under the rate limit), each retried with its key until confirmed.
		const appIds = new Map<string, string>();
		const sendApp = async (phone: string, n: number) => {
			for (let i = 0; i < n; i++) {
				const key = `crash-${phone.slice(-2)}-${i}-xxxx`;
				for (;;) {
					const base = current.url;
					const response = await postJson(clients.get(phone)!, base, '/panik', { key, category: 'lainnya' }).catch(() => null);
					if (response && (response.status === 200 || response.status === 201)) {
						appIds.set(key, ((await response.json()) as { id: string }).id);
						confirmed();
						break;
					}
					expect(response === null || response.status >= 500, `unexpected ${response?.status}`).toBe(true);
					interrupted++;
					if (current.url === base) await back;
				}
			}
		};

		// The button: seq 1..N at QoS 1; a press is confirmed by its PUBACK, else sent again (same seq) after the restart.
		const N = 30;
		let nextSeq = 1;
		const sendButton = async () => {
			while (nextSeq <= N) {
				const port = current.mqttPort;
				const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: button.id, username: button.id, password: button.secret, reconnectPeriod: 0, clean: true });
				const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
				const connected = await Promise.race([new Promise<'ok'>((resolve) => client.once('connect', () => resolve('ok'))), closed]);
				while (connected === 'ok' && nextSeq <= N) {
					const body = JSON.stringify({ ts: new Date().toISOString(), seq: nextSeq, boot: 5 });
					const acked = await Promise.race([client.publishAsync(`rw/${devices.rw}/panic/${button.id}`, body, { qos: 1 }).then(() => 'ok' as const, () => 'closed' as const), closed]);
					if (acked !== 'ok') {
						interrupted++;
						break;
					}
					nextSeq++;
					confirmed();
				}
				client.end(true);
				if (nextSeq <= N && current.mqttPort === port) await back;
			}
		};

		const senders = Promise.all([...PHONES.map((p) => sendApp(p, 4)), sendButton()]);
		// Wait for the crash, then start the same data again (same database on PostgreSQL).
		await (await killed);
		app = await startApp({ DATA_DIR: dataDir }, { sameDatabaseAs: first });
		for (const phone of PHONES) clients.set(phone, await login(app.url, phone));
		current = app;
		restarted();
		await senders;

		expect(interrupted).toBeGreaterThan(0);
		expect(appIds.size).toBe(20);
		const officer = clients.get('+6281200000005')!;
		const open = (await (await officer.get('/security/incidents/open', { accept: 'application/json' })).json()) as { incidents: IncidentView[] };
		const fromApp = open.incidents.filter((i) => i.source === 'app');
		const fromButton = open.incidents.filter((i) => i.source === 'device' && i.deviceId === button.id);
		expect(fromApp.map((i) => i.id).sort()).toEqual([...appIds.values()].sort());
		expect(fromButton).toHaveLength(N);
		expect(app.output()).not.toMatch(/panic: .*failed|Internal error/);
	}, 120_000);
});

describe('the phone API', () => {
	it('answers a bad press with a field error, not a 500', async () => {
		const resident = clients.get('+6281200000001')!;
		const response = await postJson(resident, app.url, '/panik', { key: 'x', lat: 200 });
		expect(response.status).toBe(400);
		const body = (await response.json()) as { message: string; errors: Record<string, string> };
		expect(body.errors).toMatchObject({ key: 'panic.error_key', lat: 'errors.number_range' });
		expect((await postJson(resident, app.url, '/panik', 'not json')).status).toBe(400);
	});

	it('limits new presses per resident, not retries of one', async () => {
		// Each user pressed 4 times above; the fifth is the last allowed in the window.
		const treasurer = clients.get('+6281200000004')!;
		expect((await postJson(treasurer, app.url, '/panik', { key: 'limit-fifth-press' })).status).toBe(201);
		expect((await postJson(treasurer, app.url, '/panik', { key: 'limit-fifth-press' })).status).toBe(200);
		const refused = await postJson(treasurer, app.url, '/panik', { key: 'limit-sixth-press' });
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(((await refused.json()) as { message: string }).message).toBe('panic.rate_limited');
	});

	// The 10-second window itself is decided on the server's clock: tests/integration/panic.test.ts
	// checks it with a fixed clock. Here: the route's answers, reporter only, not once received.
	it('lets the reporter cancel a fresh press, nobody else, and not once received', async () => {
		const resident = clients.get('+6281200000001')!;
		const officer = clients.get('+6281200000005')!;
		const open = (await (await officer.get('/security/incidents/open', { accept: 'application/json' })).json()) as { incidents: IncidentView[] };
		const received = open.incidents.find((i) => i.source === 'app' && i.reporterPhone === '+6281200000001')!;
		expect((await postJson(officer, app.url, `/security/incidents/${received.id}/step`, { move: 'acknowledge' })).status).toBe(200);
		const late = await postJson(resident, app.url, `/panik/${received.id}/cancel`, {});
		expect(late.status).toBe(409);
		expect(((await late.json()) as { message: string }).message).toBe('panic.already_handled');
		// Pressed now by the RT head (one press left in the window).
		const head = clients.get('+6281200000002')!;
		const { id } = (await (await postJson(head, app.url, '/panik', { key: 'cancel-me-now-1' })).json()) as { id: string };
		expect((await postJson(resident, app.url, `/panik/${id}/cancel`, {})).status).toBe(404);
		expect((await postJson(officer, app.url, `/panik/${id}/cancel`, {})).status).toBe(403);
		const cancelled = await postJson(head, app.url, `/panik/${id}/cancel`, {});
		expect(cancelled.status).toBe(200);
		expect(await cancelled.json()).toEqual({ ok: true, state: 'cancelled' });
	});

	it('lets only officers and the RW admin take steps; a resident reads only their own', async () => {
		const resident = clients.get('+6281200000001')!;
		const officer = clients.get('+6281200000005')!;
		const open = (await (await officer.get('/security/incidents/open', { accept: 'application/json' })).json()) as { incidents: IncidentView[]; officers: { id: string }[] };
		const target = open.incidents.find((i) => i.source === 'app' && i.reporterPhone === '+6281200000003')!;
		expect((await postJson(resident, app.url, `/security/incidents/${target.id}/step`, { move: 'acknowledge' })).status).toBe(403);
		expect((await resident.get(`/panik/${target.id}`)).status).toBe(404);
		expect((await postJson(officer, app.url, `/security/incidents/${target.id}/step`, { move: 'dispatch' })).status).toBe(400);
		expect((await postJson(officer, app.url, `/security/incidents/${target.id}/step`, { move: 'acknowledge' })).status).toBe(200);
		expect((await postJson(officer, app.url, `/security/incidents/${target.id}/step`, { move: 'acknowledge' })).status).toBe(409);
		const noNote = await postJson(officer, app.url, `/security/incidents/${target.id}/step`, { move: 'false_alarm' });
		expect(((await noNote.json()) as { errors: Record<string, string> }).errors).toEqual({ note: 'panic.error_note' });
		expect((await postJson(officer, app.url, `/security/incidents/${target.id}/step`, { move: 'false_alarm', note: 'Tersenggol anak' })).status).toBe(200);
		// The RW admin sees the false alarm counted against the house.
		const admin = clients.get('+6281200000003')!;
		const history = await (await admin.get('/security/incidents')).text();
		expect(history).toContain('data-testid="panic-false-alarms"');
		expect((await admin.get(`/panik/${target.id}`)).status).toBe(200);
		// A resident may not open the history or the open list.
		expect((await resident.get('/security/incidents')).status).toBe(403);
	});
});
