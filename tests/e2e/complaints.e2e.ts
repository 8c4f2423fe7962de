import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import sharp from 'sharp';
import { expectAccessible, login, open } from './helpers';

/**
 * The complaint journey: a resident reports with a photo and a pin; a neighbour filing
 * the same problem is offered it and adds "me too"; the RT head moves it to dikerjakan
 * and selesai; the reporter rates it. The app is shared with the other e2e files, so
 * the complaint is followed by its own id and a unique title.
 */
const RESIDENT = '081200000001';
const RT_HEAD = '081200000002';

let dir: string;
let photoPath: string;
test.beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'rukun-complaints-e2e-'));
	photoPath = path.join(dir, 'got.jpg');
	await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#557799', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
		.jpeg({ quality: 85 })
		.toFile(photoPath);
});
test.afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function signedIn(browser: Browser, phone: string): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await login(page, phone);
	await page.waitForURL((url) => url.pathname !== '/login');
	return page;
}

test('report with photo and pin → me too → dikerjakan → selesai → rated', async ({ browser }) => {
	// Two people, seven pages and four axe runs: longer than the default on a shared machine.
	test.setTimeout(120_000);
	const title = `Got mampet ${Date.now()}`;
	const siti = await signedIn(browser, RESIDENT);
	await open(siti, '/pengaduan/baru');
	await siti.getByLabel('Kategori').selectOption({ label: 'Saluran air / got tersumbat' });
	await siti.getByLabel('Judul').fill(title);
	await siti.getByLabel('Uraian').fill('Air meluap ke jalan setiap hujan');
	await siti.getByLabel('Foto (maksimal 3)').setInputFiles(photoPath);
	// The pin starts at her house; a tap on the map moves it.
	await expect(siti.getByLabel('Lintang')).not.toHaveValue('');
	await siti.getByRole('application', { name: 'Peta lokasi pengaduan' }).click();
	await expectAccessible(siti);
	const ignore = siti.getByLabel('Masalah saya berbeda; tetap kirim laporan baru');
	if (await ignore.isVisible()) await ignore.check();
	await expect(siti.getByRole('button', { name: 'Kirim pengaduan' })).toBeEnabled();
	await siti.getByRole('button', { name: 'Kirim pengaduan' }).click();
	await siti.waitForURL(/\/pengaduan\/[0-9a-f-]{36}$/);
	const url = new URL(siti.url()).pathname;
	await expect(siti.getByRole('heading', { name: title })).toBeVisible();
	await expect(siti.locator('.photos img')).toHaveCount(1);

	// The neighbour (the RT head, also living in RT 001) files the same problem at the same place.
	const head = await signedIn(browser, RT_HEAD);
	await open(head, '/pengaduan/baru');
	await head.getByLabel('Lintang').fill(String(await pinOf(siti)));
	await head.getByLabel('Bujur').fill(String(await pinOf(siti, 'lng')));
	await head.getByLabel('Kategori').selectOption({ label: 'Saluran air / got tersumbat' });
	const suggestion = head.locator('.duplicates li', { hasText: title });
	await expect(suggestion).toBeVisible();
	await suggestion.getByRole('button', { name: 'Saya juga (dukung)' }).click();
	await head.waitForURL((u) => u.pathname === url);
	await expect(head.getByTestId('supporters')).toHaveText('1 warga mendukung');

	// The RT head triages it.
	for (const status of ['Dikerjakan', 'Selesai']) {
		await open(head, url);
		await head.getByLabel('Status baru').selectOption({ label: status });
		await head.getByLabel('Catatan').fill(`Langkah ${status}`);
		await head.getByRole('button', { name: 'Simpan' }).click();
		await expect(head.getByText('Status disimpan.')).toBeVisible();
	}
	// The staff page (assignee, moderation, photo forms) and the triage list (selection, map) pass axe too.
	await expectAccessible(head);
	await open(head, '/pengaduan/kelola');
	await expect(head.locator('table').getByRole('link', { name: title })).toBeVisible();
	await expectAccessible(head);

	// The reporter sees it fixed and rates it.
	await open(siti, url);
	await expect(siti.locator('.badge').first()).toHaveText('Selesai');
	await siti.getByLabel('4').check();
	await siti.getByLabel('Komentar').fill('Cepat ditangani');
	await siti.getByRole('button', { name: 'Nilai penanganan' }).click();
	await expect(siti.getByText('Terima kasih atas penilaian Anda.')).toBeVisible();
	await expectAccessible(siti);
});

/** The complaint's pin, read from its detail page's map data (the public facts). */
async function pinOf(page: Page, which: 'lat' | 'lng' = 'lat'): Promise<number> {
	return page.evaluate((w) => Number(document.querySelector(`[data-${w}]`)?.getAttribute(`data-${w}`)), which);
}
