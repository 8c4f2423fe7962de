import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

test('RW admin adds a sensor and sees it come online when the device connects', async ({ page, browser }) => {
	// A journey with a simulated device, run beside another half of the suite: 30 s is too tight.
	test.setTimeout(90_000);
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

	// The simulator (firmware-sim) connects as this device with the file the page offers.
	const credentials = (await page.getByTestId('device-credentials').textContent())!;
	const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'rukun-sim-')), 'devices.json');
	await writeFile(file, credentials);
	const sim = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/cli.ts', '--devices', file, '--url', `mqtt://127.0.0.1:${port}`, '--sensors', '1', '--scenario', 'calm', '--speed', '600', '--duration', '600', '--boot', String(Date.now())], { stdio: 'ignore' });
	try {
		const row = page.getByTestId('device-rw012-wl-e2e');
		await expect(async () => {
			await open(page, '/rw/devices');
			await expect(row).toContainText('Daring', { timeout: 1000 });
			await expect(row).toContainText(/\d+ cm/, { timeout: 1000 });
		}).toPass({ timeout: 20_000 });

		// Its page shows the level now, the 24-hour chart and the same numbers as a table.
		await page.getByRole('link', { name: 'Riwayat rw012-wl-e2e' }).click();
		await expect(page.getByRole('heading', { name: '24 jam terakhir (per menit)' })).toBeVisible();
		await expect(page.getByTestId('level-now')).toContainText(/\d+ cm · Siaga [1-4]/);
		await expect(page.getByRole('img', { name: '24 jam terakhir (per menit)' })).toBeVisible();
		await page.getByText('Ringkasan per jam, 24 jam terakhir').click();
		await expect(page.getByTestId('hourly').locator('tbody tr').first()).toContainText(/\d+\.\d/);
		await expectAccessible(page);
		await open(page, '/rw/devices');

		// The security post sees the same sensor with its health, and its history.
		const officerContext = await browser.newContext();
		try {
			const officer = await officerContext.newPage();
			await login(officer, '081200000005');
			await expect(officer).toHaveURL(/\/security$/);
			await open(officer, '/security');
			await expect(officer.getByTestId('device-rw012-wl-e2e')).toContainText('Daring');
			await expectAccessible(officer);
			await officer.getByRole('link', { name: 'Saluran Jl. Pegangsaan' }).click();
			await expect(officer.getByTestId('level-now')).toContainText(/\d+ cm/);
		} finally {
			await officerContext.close();
		}

		// Disabling it disconnects the device at once; it stays refused.
		await page.getByRole('button', { name: 'Nonaktifkan rw012-wl-e2e' }).click();
		await expect(row).toContainText('Dinonaktifkan');
		await expect(async () => {
			const metrics = await (await page.request.get('/metrics')).text();
			expect(metrics).toMatch(/rukun_mqtt_connections_refused_total\{reason="disabled"\} [1-9]/);
		}).toPass({ timeout: 20_000 });
	} finally {
		sim.kill('SIGKILL');
	}
});