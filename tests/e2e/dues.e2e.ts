import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import sharp from 'sharp';
import { expectAccessible, login, open } from './helpers';

/**
 * The dues journey: the demo resident (who owes every month of the demo's four) sends
 * a transfer proof for one month, the treasurer sees it large in the verification
 * queue and approves it, the resident sees her oldest month paid and downloads the
 * receipt, and the monthly report shows the income. The app is shared with the other
 * e2e files, so the report is compared before and after, not with fixed totals.
 */

const RESIDENT = '081200000001';
const TREASURER = '081200000004';

let dir: string;
let proofPath: string;
test.beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'rukun-dues-e2e-'));
	proofPath = path.join(dir, 'bukti-transfer.jpg');
	await sharp({ create: { width: 900, height: 1600, channels: 3, background: '#dddddd', noise: { type: 'gaussian', mean: 200, sigma: 30 } } })
		.jpeg({ quality: 85 })
		.toFile(proofPath);
});
test.afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function signedIn(browser: Browser, phone: string, home: RegExp): Promise<Page> {
	const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
	await login(page, phone);
	await expect(page).toHaveURL(home);
	return page;
}

const rupiah = (text: string | null) => Number((text ?? '').replace(/[^0-9]/g, ''));

async function collected(page: Page, ym: string): Promise<{ keamanan: number; kebersihan: number }> {
	await open(page, `/iuran/laporan?bulan=${ym}`);
	return {
		keamanan: rupiah(await page.getByTestId('collected-keamanan').textContent()),
		kebersihan: rupiah(await page.getByTestId('collected-kebersihan').textContent())
	};
}

test('a resident pays by proof, the treasurer verifies, the month is paid and the report shows it', async ({ browser }) => {
	// Three roles, seven axe runs and a PDF rendered in a worker, on a shared 2-core machine.
	test.setTimeout(120_000);
	const resident = await signedIn(browser, RESIDENT, /\/$/);
	await open(resident, '/iuran');
	await expect(resident.getByRole('heading', { name: 'Iuran warga' })).toBeVisible();
	const rows = resident.locator('tr[data-month]');
	const oldest = (await rows.last().getAttribute('data-month'))!;
	await expect(rows.last()).not.toHaveAttribute('data-status', 'paid');
	const before = await collected(resident, oldest);
	await expectAccessible(resident);

	await open(resident, '/iuran');
	await resident.getByLabel('Jumlah (Rp)').fill('75.000');
	await resident.getByLabel('Untuk berapa bulan').fill('1');
	await resident.getByLabel('Foto bukti pembayaran').setInputFiles(proofPath);
	await resident.getByRole('button', { name: 'Kirim bukti' }).click();
	await expect(resident.getByRole('status').filter({ hasText: 'Bukti terkirim' })).toBeVisible();
	await expect(resident.locator('li[data-status="submitted"]')).toHaveCount(1);
	await expectAccessible(resident);

	const treasurer = await signedIn(browser, TREASURER, /\/treasurer$/);
	await expect(treasurer.getByRole('link', { name: /menunggu verifikasi/ })).toBeVisible();
	await expectAccessible(treasurer);
	// The detail pages behind the dashboard: every house behind, and the rate per RT.
	await open(treasurer, '/treasurer/tunggakan');
	await expect(treasurer.getByRole('heading', { name: 'Daftar tunggakan' })).toBeVisible();
	await expect(treasurer.getByRole('link', { name: 'Catat bayar' }).first()).toBeVisible();
	await expectAccessible(treasurer);
	await open(treasurer, '/treasurer/tingkat');
	await expect(treasurer.getByRole('heading', { name: 'Tingkat pengumpulan per RT' })).toBeVisible();
	await expectAccessible(treasurer);
	await open(treasurer, '/treasurer/verifikasi');
	const proof = treasurer.locator('article[data-proof]').filter({ hasText: 'Rp 75.000' }).first();
	const image = proof.getByRole('img');
	await expect(image).toBeVisible();
	// Shown large: wider than half the page's content column.
	expect((await image.boundingBox())!.width).toBeGreaterThan(300);
	await expectAccessible(treasurer);
	await proof.getByRole('button', { name: 'Terima' }).click();
	await expect(treasurer.getByRole('status').filter({ hasText: 'Pembayaran diterima' })).toBeVisible();

	await open(resident, '/iuran');
	await expect(resident.locator(`tr[data-month="${oldest}"]`)).toHaveAttribute('data-status', 'paid');
	await expect(resident.locator('li[data-status="approved"]')).toHaveCount(1);
	const download = resident.waitForEvent('download');
	await resident.getByRole('link', { name: 'Unduh kuitansi (PDF)' }).first().click();
	const pdf = await readFile((await (await download).path())!);
	expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
	await open(resident, '/iuran/kuitansi');
	await expect(resident.getByRole('link', { name: 'Unduh kuitansi (PDF)' })).not.toHaveCount(0);
	await expectAccessible(resident);

	const after = await collected(resident, oldest);
	expect(after.keamanan - before.keamanan).toBe(50_000);
	expect(after.kebersihan - before.kebersihan).toBe(25_000);
	await expectAccessible(resident);
});
