import { expect, test } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

const ROLES = [
	{ phone: '081200000001', area: '/', heading: 'Halo, Siti Rahmawati' },
	{ phone: '081200000002', area: '/rt', heading: 'RT 001' },
	{ phone: '081200000003', area: '/rw', heading: 'Pengurus RW' },
	{ phone: '081200000004', area: '/treasurer', heading: 'Bendahara' },
	{ phone: '081200000005', area: '/security', heading: 'Pos keamanan' }
];

test.describe('foundation journeys', () => {
	test('visitors see the RW landing page, accessible', async ({ page }) => {
		await page.goto('/');
		await expect(page.getByRole('heading', { name: 'RW 012 Kelurahan Pegangsaan Dua' })).toBeVisible();
		await expect(page.getByRole('link', { name: 'Masuk' }).first()).toBeVisible();
		await expectAccessible(page);
	});

	for (const role of ROLES) {
		test(`${role.phone} logs in and lands in ${role.area}`, async ({ page }) => {
			await login(page, role.phone);
			await expect(page).toHaveURL(new RegExp(`${role.area.replace('/', '\\/')}$`));
			await expect(page.getByRole('heading', { level: 1, name: role.heading })).toBeVisible();
		});
	}

	test('the login page is accessible and shows a clear error for a wrong password', async ({ page }) => {
		await open(page, '/login');
		await expectAccessible(page);
		await login(page, '081200000001', 'bukan-sandinya');
		await expect(page.getByRole('alert')).toHaveText('Nomor HP atau kata sandi salah.');
		await expect(page).toHaveURL(/\/login$/);
		await expect(page.getByLabel('Nomor HP')).toHaveValue('081200000001');
	});

	test('field errors are shown in Bahasa Indonesia and tied to their inputs', async ({ page }) => {
		await open(page, '/login');
		await page.getByLabel('Nomor HP').fill('12345');
		await page.getByLabel('Kata sandi').fill('x');
		await page.getByRole('button', { name: 'Masuk' }).click();
		const phone = page.getByLabel('Nomor HP');
		await expect(phone).toHaveAttribute('aria-invalid', 'true');
		await expect(page.getByText('Nomor HP tidak valid')).toBeVisible();
	});

	test('a resident opening /rw gets 403, and the resident home is accessible', async ({ page }) => {
		await login(page, '081200000001');
		await expect(page).toHaveURL(/\/$/);
		await expectAccessible(page);
		const response = await page.goto('/rw');
		expect(response?.status()).toBe(403);
		await expect(page.getByRole('alert')).toHaveText('Anda tidak memiliki akses ke halaman ini.');
	});

	test('the language switch turns the interface to English and back', async ({ page }) => {
		await login(page, '081200000004');
		await expect(page.getByRole('heading', { level: 1, name: 'Bendahara' })).toBeVisible();
		await page.getByRole('button', { name: 'English' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Treasurer' })).toBeVisible();
		await expect(page.locator('html')).toHaveAttribute('lang', 'en');
		await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Bendahara' })).toBeVisible();
	});

	test('keyboard users can log in without a mouse', async ({ page }) => {
		await open(page, '/login');
		await page.getByLabel('Nomor HP').focus();
		await page.keyboard.type('081200000003');
		await page.keyboard.press('Tab');
		await page.keyboard.type('rukun-demo');
		await page.keyboard.press('Enter');
		await expect(page).toHaveURL(/\/rw$/);
	});

	test('RT head invites a resident who joins from another phone', async ({ page, browser }) => {
		await login(page, '081200000002');
		await expect(page).toHaveURL(/\/rt$/);
		await page.getByLabel('Rumah').selectOption({ index: 2 });
		await page.getByLabel('Catatan (misalnya nama warga)').fill('Pak Rudi');
		await page.getByRole('button', { name: 'Buat kode undangan' }).click();
		const code = (await page.getByTestId('invite-code').textContent())?.trim() ?? '';
		expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
		await expect(page.getByRole('cell', { name: 'Pak Rudi' })).toBeVisible();

		const phone = await browser.newContext();
		const resident = await phone.newPage();
		await open(resident, '/join');
		await resident.getByLabel('Kode undangan').fill(code);
		await resident.getByLabel('Nama lengkap').fill('Rudi Hartono');
		await resident.getByLabel('Nomor HP').fill('0813 5555 6666');
		await resident.getByLabel('Kata sandi', { exact: true }).fill('rahasia-rudi');
		await resident.getByLabel('Ulangi kata sandi').fill('rahasia-rudi');
		await resident.getByRole('button', { name: 'Gabung' }).click();
		await expect(resident.getByRole('heading', { level: 1, name: 'Halo, Rudi Hartono' })).toBeVisible();
		await expect(resident.getByText(/Blok A1 No\. \d+, RT 001/)).toBeVisible();
		await phone.close();
	});

	test('the service worker serves the offline page when the network is gone', async ({ page, context }) => {
		await page.goto('/');
		await page.evaluate(async () => {
			await navigator.serviceWorker.ready;
		});
		await page.reload();
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
		await context.setOffline(true);
		await page.goto('/rt').catch(() => undefined);
		await expect(page.getByRole('heading', { name: 'Anda sedang offline' })).toBeVisible();
		await context.setOffline(false);
	});
});
