import mqtt from 'mqtt';
import postgres from 'postgres';
import { expect, test, type Page } from '@playwright/test';
import { startApp, DEMO_PASSWORD, type RunningApp } from '../factories/app';
import type { AlarmView, AlertMessage } from '../../src/lib/views/alerts';
import { expectAccessible } from './helpers';
import { startPostgres } from './postgres';

/**
 * The security post as a wall screen: live over the broker, an alarm that arrives
 * without a reload (banner, title), acknowledged with a note, still acknowledged after
 * a reload (the catch-up from the database); the map keeps its markers when the tile
 * server is dead. The app runs on PostgreSQL here so the test can write the alarm row
 * the engine would write while the app runs; alerts are published through the app's
 * broker by an anonymous development client (MQTT_ALLOW_ANONYMOUS).
 */
let pg: Awaited<ReturnType<typeof startPostgres>>;
let app: RunningApp;
let sql: postgres.Sql;
let broker: mqtt.MqttClient;
let rwId = '';

test.beforeAll(async () => {
	test.setTimeout(120_000);
	pg = await startPostgres();
	const before = process.env.DATABASE_URL;
	process.env.DATABASE_URL = pg.url;
	try {
		// Port 9 (discard) refuses connections: every tile fails at once.
		app = await startApp({ MQTT_ALLOW_ANONYMOUS: '1', MAP_TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' });
	} finally {
		if (before === undefined) delete process.env.DATABASE_URL;
		else process.env.DATABASE_URL = before;
	}
	sql = postgres(app.databaseUrl!, { max: 1, onnotice: () => {} });
	const [rw] = await sql<{ id: string }[]>`select id from rw where code = 'RW012'`;
	rwId = rw!.id;
	const [rt] = await sql<{ id: string }[]>`select id from rt where rw_id = ${rwId} order by number limit 1`;
	await sql`insert into device (id, rw_id, rt_id, kind, name, lat, lng, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
	          values ('e2e-wl-01', ${rwId}, ${rt!.id}, 'sensor', 'Kali Item', -6.2001, 106.8501, 60, 300, 400, 100, 150, 200, 'x'),
	                 ('e2e-pb-01', ${rwId}, ${rt!.id}, 'panic', 'Tombol pos', -6.2010, 106.8490, 60, null, 400, null, null, null, 'x')`;
	broker = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`, { reconnectPeriod: 0 });
});

test.afterAll(async () => {
	await broker?.endAsync(true);
	await sql?.end();
	await app?.stop();
	await pg?.stop();
});

async function loginOfficer(page: Page) {
	await page.goto(`${app.url}/login`);
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	await page.getByLabel('Nomor HP').fill('081200000005');
	await page.getByLabel('Kata sandi').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Masuk' }).click();
	await expect(page).toHaveURL(/\/security$/);
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
}

/** The alarm as the engine stores and publishes it. */
async function raiseAlarm(type: 'flood_level' | 'rate_of_rise' = 'flood_level'): Promise<AlarmView> {
	const [row] = await sql<{ id: string; at: Date }[]>`
	  insert into alarm (rw_id, device_id, type, severity, siaga, first_seen_at, last_seen_at, details)
	  values (${rwId}, 'e2e-wl-01', ${type}, 'major', 2, now(), now(), ${sql.json({ levelCm: 162, risePer10Min: 9.5, nextSiaga: 1, etaMinutes: 25 })})
	  returning id, first_seen_at as at`;
	const at = row!.at.toISOString();
	return {
		id: row!.id, deviceId: 'e2e-wl-01', deviceName: 'Kali Item', rtId: null, type, severity: 'major', siaga: 2,
		firstSeenAt: at, lastSeenAt: at, count: 1, clearedAt: null, acknowledgedAt: null, acknowledgedByName: null, ackNote: null,
		details: { levelCm: 162, risePer10Min: 9.5, nextSiaga: 1, etaMinutes: 25 }
	};
}

async function publish(message: AlertMessage, id: string) {
	await broker.publishAsync(`rw/RW012/alerts/${message.kind}/${id}`, JSON.stringify(message), { qos: 1 });
}

test('an alarm reaches the live dashboard, is acknowledged with a note, and stays so after a reload', async ({ page }) => {
	await page.emulateMedia({ reducedMotion: 'reduce' });
	await loginOfficer(page);
	await expect(page.getByTestId('connection')).toHaveText('Langsung');
	await expect(page.getByTestId('no-alarms')).toBeVisible();
	await expect(page).toHaveTitle(/^Pos keamanan/);

	// The tile server is dead: the map says so and still shows the devices with RT labels.
	await expect(page.getByTestId('tiles-failed')).toBeVisible();
	await expect(page.getByTestId('marker-e2e-wl-01')).toBeVisible();
	await expect(page.getByTestId('marker-e2e-pb-01')).toBeVisible();
	await expect(page.getByTestId('map')).toContainText('RT 001 · Kali Item');
	await expectAccessible(page);

	const alarm = await raiseAlarm();
	await publish({ kind: 'alarm', alarm }, alarm.id);
	const item = page.getByTestId(`alarm-${alarm.id}`);
	await expect(item).toContainText('Kali Item');
	await expect(item).toContainText('Siaga 1 dalam ±25 menit');
	await expect(item).toContainText('Naik 9.5 cm per 10 menit');
	const banner = page.getByTestId('alarm-banner');
	await expect(banner).toHaveAttribute('data-fresh', 'true');
	await expect(banner).toContainText('1 alarm belum ditangani');
	await expect(page).toHaveTitle(/^\(1\) ALARM · Pos keamanan/);
	// Reduced motion: a strong static frame instead of flashing.
	expect(await banner.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
	await expectAccessible(page);

	// A level message moves the sensor's marker to Siaga 2 without a reload.
	await publish({ kind: 'level', level: { deviceId: 'e2e-wl-01', levelCm: 162, siaga: 2, risePer10Min: 9.5, at: new Date().toISOString() } }, 'e2e-wl-01');
	await expect(page.getByTestId('marker-e2e-wl-01')).toHaveText('2');

	await item.getByLabel('Catatan penanganan').fill('Pompa 1 dinyalakan, warga RT 01 diberi tahu');
	await item.getByRole('button', { name: 'Tandai ditangani' }).click();
	await expect(item.getByTestId('acked')).toContainText('Pompa 1 dinyalakan, warga RT 01 diberi tahu');
	await expect(banner).toBeHidden();
	await expect(page).toHaveTitle(/^Pos keamanan/);

	await page.reload();
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('connection')).toHaveText('Langsung');
	await expect(page.getByTestId(`alarm-${alarm.id}`).getByTestId('acked')).toContainText('Pompa 1 dinyalakan');
	await expect(page.getByTestId('alarm-banner')).toBeHidden();
});

test('another dashboard sees the acknowledgement without a reload; the sound is turned on once and remembered', async ({ page, browser }) => {
	await loginOfficer(page);
	await expect(page.getByTestId('connection')).toHaveText('Langsung');
	const sound = page.getByTestId('sound');
	await expect(sound).toHaveText(/Suara: mati/);
	await sound.click();
	await expect(sound).toHaveText(/Suara: nyala/);
	await expect(sound).toHaveAttribute('aria-pressed', 'true');

	const alarm = await raiseAlarm('rate_of_rise');
	await publish({ kind: 'alarm', alarm }, alarm.id);
	await expect(page.getByTestId('alarm-banner')).toHaveAttribute('data-fresh', 'true');

	// A second screen (the same officer on another PC) acknowledges it.
	const other = await browser.newContext();
	try {
		const second = await other.newPage();
		await loginOfficer(second);
		const item = second.getByTestId(`alarm-${alarm.id}`);
		await item.getByLabel('Catatan penanganan').fill('Dicek ke lokasi');
		await item.getByRole('button', { name: 'Tandai ditangani' }).click();
		await expect(item.getByTestId('acked')).toBeVisible();
	} finally {
		await other.close();
	}
	await expect(page.getByTestId(`alarm-${alarm.id}`).getByTestId('acked')).toContainText('Dicek ke lokasi');
	await expect(page.getByTestId('alarm-banner')).toBeHidden();

	// The pump panel follows the feed's pump messages (the demo RW's pump).
	const [pump] = await sql<{ id: string }[]>`select id from device where rw_id = ${rwId} and kind = 'pump' order by id limit 1`;
	await publish({ kind: 'pump', pump: { deviceId: pump!.id, on: true, stateAt: new Date().toISOString(), command: null } }, pump!.id);
	await expect(page.getByTestId(`pump-${pump!.id}`).getByTestId('pump-state')).toHaveText('Menyala');

	await page.reload();
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('sound')).toHaveText(/Suara: nyala|Suara tertahan/);
});

test('a sensor’s page moves with its level messages and draws its history', async ({ page }) => {
	await loginOfficer(page);
	await page.getByRole('link', { name: 'Kali Item' }).click();
	await expect(page).toHaveURL(/\/security\/sensors\/e2e-wl-01$/);
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('connection')).toHaveText('Langsung');
	const now = page.getByTestId('level-now');
	await expect(now).toContainText(/—|cm/);
	await publish({ kind: 'level', level: { deviceId: 'e2e-wl-01', levelCm: 171.4, siaga: 2, risePer10Min: 12, at: new Date().toISOString() } }, 'e2e-wl-01');
	await expect(now).toHaveText('171 cm · Siaga 2 – kritis');
	await expect(page.getByRole('img', { name: 'Kali Item: 1 jam terakhir (langsung)' })).toBeVisible();
	await expectAccessible(page);
	await page.getByRole('button', { name: '7 hari (per jam)' }).click();
	await expect(page.getByRole('button', { name: '7 hari (per jam)' })).toHaveAttribute('aria-pressed', 'true');
});

test('while the feed is cut the indicator says so; on reconnecting it catches up with what it missed', async ({ page }) => {
	let cut = true;
	await page.routeWebSocket(/\/mqtt$/, (ws) => {
		if (cut) void ws.close();
		else ws.connectToServer();
	});
	await loginOfficer(page);
	await expect(page.getByTestId('connection')).toHaveText('Terputus, mencoba lagi…');
	await expectAccessible(page);

	// Raised while the screen was cut off: stored, and its message went to nobody.
	const [row] = await sql<{ id: string }[]>`
	  insert into alarm (rw_id, device_id, type, severity, first_seen_at, last_seen_at, details)
	  values (${rwId}, 'e2e-wl-01', 'sensor_offline', 'critical', now(), now(), '{}') returning id`;
	cut = false;
	await expect(page.getByTestId('connection')).toHaveText('Langsung');
	await expect(page.getByTestId(`alarm-${row!.id}`)).toContainText('Sensor tidak terhubung');
	await expect(page.getByTestId('alarm-banner')).toHaveAttribute('data-fresh', 'true');
	await expect(page.getByTestId('alarm-banner')).toContainText('Terparah: Kali Item — Kritis · Sensor tidak terhubung');
});
