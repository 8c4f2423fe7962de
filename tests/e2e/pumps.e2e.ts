import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

test('the security officer turns the demo pump on and the simulated pump confirms it', async ({ page }) => {
	test.setTimeout(90_000);
	// The data dir playwright.config.ts gives this project's app: the demo's simulator file is there.
	const dataDir = (test.info().project.metadata as { dataDir: string }).dataDir;
	const health = (await (await page.request.get('/healthz')).json()) as { broker: { tcpPort: number } };
	const file = path.join(dataDir, 'demo-devices.json');
	expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ rw: 'RW012' });
	// firmware-sim plays the demo pump with the credentials the app wrote at start.
	const sim = spawn(
		process.execPath,
		['--import', 'tsx', 'firmware-sim/cli.ts', '--devices', file, '--url', `mqtt://127.0.0.1:${health.broker.tcpPort}`, '--sensors', '0', '--panic', '0', '--pumps', '1', '--scenario', 'calm', '--duration', '30m', '--boot', String(Date.now())],
		{ stdio: 'ignore' }
	);
	try {
		await login(page, '081200000005');
		await expect(page).toHaveURL(/\/security$/);
		const pump = page.getByTestId('pump-rw012-pump-01');
		// On connecting, the pump reports that it is off.
		await expect(async () => {
			await open(page, '/security/pumps');
			await expect(pump.getByTestId('pump-state')).toHaveText('Mati', { timeout: 1000 });
		}).toPass({ timeout: 20_000 });
		await expectAccessible(page);

		await page.getByRole('button', { name: 'Nyalakan Pompa Jl. Kelapa Hybrida' }).click();
		await expect(page.getByText('Perintah menyalakan terkirim.')).toBeVisible();
		// The pump obeys and reports its state: the page shows the command confirmed.
		await expect(pump.getByTestId('pump-command')).toHaveAttribute('data-state', 'confirmed');
		await expect(pump.getByTestId('pump-state')).toHaveText('Menyala');
		await expect(pump.getByTestId('pump-command')).toContainText('Joko Santoso');

		await page.getByRole('button', { name: 'Matikan Pompa Jl. Kelapa Hybrida' }).click();
		await expect(pump.getByTestId('pump-state')).toHaveText('Mati');
		await expect(pump.getByTestId('pump-command')).toHaveAttribute('data-state', 'confirmed');
	} finally {
		sim.kill('SIGKILL');
	}

	// Without its pump the next command fails after 10 s.
	await page.getByRole('button', { name: 'Nyalakan Pompa Jl. Kelapa Hybrida' }).click();
	await expect(page.getByTestId('pump-rw012-pump-01').getByTestId('pump-command')).toHaveAttribute('data-state', 'failed', { timeout: 20_000 });

	// The public flood page: no login.
	const visitor = await page.context().browser()!.newContext();
	try {
		const p = await visitor.newPage();
		await open(p, '/banjir');
		await expect(p.getByRole('heading', { name: 'Info tinggi air (banjir)' })).toBeVisible();
		await expect(p.getByTestId('water-rw012-wl-01')).toBeVisible();
		await expectAccessible(p);
	} finally {
		await visitor.close();
	}
});
