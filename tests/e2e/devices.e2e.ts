import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { expectAccessible, login, open } from './helpers';

test('RW admin adds a sensor and sees it come online when the device connects', async ({ page }) => {
	await login(page, '081200000003');
	await expect(page).toHaveURL(/\/rw$/);
	await open(page, '/rw/devices');
	await expectAccessible(page);

	// A wrong threshold order is refused with a Bahasa message and nothing is created.
	await page.getByLabel('ID perangkat').fill('rw012-wl-e2e');
	await page.getByLabel('Nama / lokasi').fill('Saluran Jl. Pegangsaan');
	await page.getByLabel('Lintang (latitude)').fill('-6.1551');
	await page.getByLabel('Bujur (longitude)').fill('106.9049');
	await page.getByLabel('Tinggi pemasangan sensor (cm)').fill('300');
	await page.getByLabel('Siaga 3 – waspada (cm)').fill('200');
	await page.getByLabel('Siaga 2 – kritis (cm)').fill('150');
	await page.getByLabel('Siaga 1 – bencana (cm)').fill('250');
	await page.getByRole('button', { name: 'Tambah perangkat' }).click();
	await expect(page.getByText('Ambang harus naik: Siaga 3 < Siaga 2 < Siaga 1.')).toBeVisible();

	await page.getByLabel('Siaga 3 – waspada (cm)').fill('120');
	await page.getByRole('button', { name: 'Tambah perangkat' }).click();
	const secret = (await page.getByTestId('device-secret').textContent())!.trim();
	expect(secret.length).toBeGreaterThan(30);
	const port = Number(/(\d+) \(MQTT\/TCP\)/.exec((await page.locator('.settings').textContent()) ?? '')![1]);
	await expect(page.getByTestId('device-rw012-wl-e2e')).toContainText('Belum pernah terhubung');

	// The device connects with its id and secret and reports 87 cm to the water.
	const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
		clientId: 'rw012-wl-e2e',
		username: 'rw012-wl-e2e',
		password: secret,
		reconnectPeriod: 0,
		will: { topic: 'rw/RW012/device/rw012-wl-e2e/status', payload: Buffer.from('offline'), qos: 1, retain: true }
	});
	await client.publishAsync('rw/RW012/device/rw012-wl-e2e/status', 'online', { qos: 1, retain: true });
	await client.publishAsync('rw/RW012/sensor/rw012-wl-e2e/level', JSON.stringify({ distance_cm: 87, bat: 3.95, seq: 1 }), { qos: 1 });

	await open(page, '/rw/devices');
	const row = page.getByTestId('device-rw012-wl-e2e');
	await expect(row).toContainText('Daring');
	await expect(row).toContainText('213 cm');
	await expect(row).toContainText('3.95 V');

	// Disabling it disconnects the device at once.
	const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
	await page.getByRole('button', { name: 'Nonaktifkan rw012-wl-e2e' }).click();
	await closed;
	await expect(row).toContainText('Dinonaktifkan');
	client.end(true);
});
