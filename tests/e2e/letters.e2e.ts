import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import sharp from 'sharp';
import { pdfText } from '../factories/pdf';
import { expectAccessible, login, open } from './helpers';

/**
 * The letters journey with all three roles, each in its own browser
 * context. The app instance is shared with the other e2e files, so the request is
 * followed by its own id, never by its place in a list.
 */

const RESIDENT = '081200000001';
const RT_HEAD = '081200000002';
const RW_ADMIN = '081200000003';

let dir: string;
let photoPath: string;
test.beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'rukun-letters-e2e-'));
	photoPath = path.join(dir, 'ktp.jpg');
	// A phone-camera-sized photo (noise keeps it from compressing to nothing).
	await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#888888', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
		.jpeg({ quality: 90 })
		.toFile(photoPath);
});
test.afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function signedIn(browser: Browser, phone: string, home: RegExp): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await login(page, phone);
	await expect(page).toHaveURL(home);
	return page;
}

/** Picks the resident herself in "Surat untuk" (her household has more members). */
async function chooseSiti(page: Page) {
	const select = page.getByLabel('Surat untuk');
	const value = await select.locator('option', { hasText: 'Siti Rahmawati' }).getAttribute('value');
	expect(value).toMatch(/^[0-9a-f-]{36}$/);
	await select.selectOption(value!);
}

test('a resident asks for a domicile letter, fixes what the RT returned, and downloads and verifies the issued letter', async ({ browser }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	const firstPurpose = `Melamar kerja ${stamp}`;
	const fixedPurpose = `Melamar pekerjaan di PT Maju Jaya, Bekasi (${stamp})`;
	const reason = `Keperluan kurang jelas, tulis nama perusahaannya (${stamp}).`;

	const resident = await signedIn(browser, RESIDENT, /\/$/);
	const head = await signedIn(browser, RT_HEAD, /\/rt$/);
	const admin = await signedIn(browser, RW_ADMIN, /\/rw$/);
	try {
		// Resident: catalogue → service standard → request form with a photo.
		await open(resident, '/layanan');
		await expectAccessible(resident);
		await resident.getByRole('link', { name: 'Surat Keterangan Domisili' }).click();
		await expect(resident).toHaveURL(/\/layanan\/SK-DOM$/);
		await expect(resident.getByRole('heading', { level: 1, name: 'Surat Keterangan Domisili' })).toBeVisible();
		await expect(resident.getByText('Gratis / Rp 0 — tidak ada pungutan')).toBeVisible();
		await expectAccessible(resident);
		await resident.getByRole('link', { name: 'Ajukan sekarang' }).click();
		await expect(resident).toHaveURL(/\/surat\/baru\?layanan=SK-DOM$/);
		await expect(resident.getByRole('heading', { level: 1 })).toContainText('Surat Keterangan Domisili');
		await expectAccessible(resident);

		await chooseSiti(resident);
		await resident.getByLabel('Keperluan').fill(firstPurpose);
		const files = resident.getByLabel('Tambah berkas');
		await files.setInputFiles(photoPath);
		// The phone shrinks the photo before sending it.
		const original = (await stat(photoPath)).size;
		await expect.poll(() => files.evaluate((el: HTMLInputElement) => el.files?.[0]?.size ?? Infinity)).toBeLessThan(original);
		await resident.getByRole('button', { name: 'Kirim permohonan' }).click();
		await expect(resident).toHaveURL(/\/surat\/[0-9a-f-]{36}\?sent=1$/);
		const id = /\/surat\/([0-9a-f-]{36})\?/.exec(resident.url())![1]!;
		await expect(resident.getByRole('status')).toContainText('Permohonan terkirim ke ketua RT.');
		await expect(resident.getByRole('link', { name: 'ktp.jpg' })).toBeVisible();

		await open(resident, '/surat');
		const mine = resident.getByRole('listitem').filter({ has: resident.locator(`a[href="/surat/${id}"]`) });
		await expect(mine.locator('[data-status]')).toHaveText('Menunggu RT');

		// RT head: finds it in the queue and returns it with a reason.
		await open(head, '/rt/surat');
		await head.locator(`a[href="/rt/surat/${id}"]`).click();
		await expect(head).toHaveURL(new RegExp(`/rt/surat/${id}$`));
		await expect(head.getByText(firstPurpose)).toBeVisible();
		await expectAccessible(head);
		await head.getByLabel('Catatan atau alasan').fill(reason);
		await head.getByRole('button', { name: 'Kembalikan untuk diperbaiki' }).click();
		await expect(head.getByRole('status')).toHaveText('Dikembalikan kepada warga untuk diperbaiki.');

		// Resident: reads the reason, fixes the purpose and sends it again.
		await open(resident, `/surat/${id}`);
		await expect(resident.getByTestId('reason')).toContainText(reason);
		await expect(resident.locator('h1 [data-status]')).toHaveText('Perlu perbaikan');
		await expectAccessible(resident);
		const purpose = resident.getByLabel('Keperluan');
		await expect(purpose).toHaveValue(firstPurpose);
		await purpose.fill(fixedPurpose);
		await resident.getByRole('button', { name: 'Kirim permohonan' }).click();
		await expect(resident).toHaveURL(new RegExp(`/surat/${id}\\?sent=1$`));
		const timeline = resident.getByTestId('timeline');
		await expect(timeline.locator('li[data-action="returned"]')).toContainText(reason);
		await expect(timeline.locator('li[data-action="resubmitted"]')).toBeVisible();

		// RT head approves the fixed request.
		await open(head, `/rt/surat/${id}`);
		await expect(head.getByText(fixedPurpose)).toBeVisible();
		await head.getByRole('button', { name: 'Setujui dan teruskan ke RW' }).click();
		await expect(head.getByRole('status')).toHaveText('Disetujui dan diteruskan ke RW.');

		// RW admin: the desk, then approve, number and issue.
		await open(admin, '/rw/surat');
		await expectAccessible(admin);
		await admin.locator(`a[href="/rw/surat/${id}"]`).first().click();
		await expect(admin).toHaveURL(new RegExp(`/rw/surat/${id}$`));
		await admin.getByRole('button', { name: 'Setujui, beri nomor dan terbitkan' }).click();
		const numberEl = admin.getByTestId('letter-number');
		await expect(numberEl).toHaveText(/^\d{3}\/SK-DOM\/RW012\/[IVX]+\/\d{4}$/);
		const number = (await numberEl.textContent())!;
		await expect(admin.getByRole('status')).toHaveText(`Surat terbit dengan nomor ${number}`);

		// Resident: sees the number, downloads the PDF, opens the verification page.
		await open(resident, `/surat/${id}`);
		await expect(resident.getByTestId('letter-number')).toHaveText(number);
		await expect(resident.getByTestId('timeline').locator('li[data-action="issued"]')).toContainText(number);
		const downloading = resident.waitForEvent('download');
		await resident.getByRole('link', { name: 'Unduh PDF' }).click();
		const download = await downloading;
		expect(download.suggestedFilename()).toMatch(/^surat-.+\.pdf$/);
		const pdf = await readFile(await download.path());
		expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const text = await pdfText(new Uint8Array(pdf));
		expect(text).toContain(number);
		// The letter carries the fixed purpose, not the returned one (pdftotext wraps lines).
		expect(text.replace(/\s+/g, ' ')).toContain(`untuk keperluan: ${fixedPurpose}.`);
		expect(text).not.toContain(firstPurpose);

		await resident.getByRole('link', { name: 'Halaman verifikasi' }).click();
		await expect(resident).toHaveURL(/\/v\/[A-Za-z0-9_-]+$/);
		await expect(resident.locator('[data-verdict]')).toHaveAttribute('data-verdict', 'genuine');
		await expect(resident.getByTestId('number')).toHaveText(number);
		const nik = resident.locator('dt', { hasText: /^NIK$/ }).locator('xpath=following-sibling::dd[1]');
		await expect(nik).toContainText('•');
		await expect(resident.locator('main')).not.toContainText('3172064508880001');

		// The visitor checks the downloaded PDF in the browser (Web Crypto): chosen from the
		// labelled file input with the keyboard, then an altered copy dropped on the box.
		const result = resident.getByTestId('pdf-check');
		await expect(result).toHaveAttribute('aria-live', 'polite');
		const chooser = resident.waitForEvent('filechooser');
		await resident.getByLabel('Pilih berkas PDF surat').focus();
		await resident.keyboard.press('Space');
		await (await chooser).setFiles({ name: 'surat.pdf', mimeType: 'application/pdf', buffer: pdf });
		await expect(result).toHaveAttribute('data-outcome', 'match');
		await expect(result).toContainText('COCOK — berkas ini sama persis dengan surat yang diterbitkan.');
		const altered = Buffer.from(pdf);
		altered[altered.length - 10] = altered[altered.length - 10]! ^ 1;
		const transfer = await resident.evaluateHandle((bytes) => {
			const data = new DataTransfer();
			data.items.add(new File([new Uint8Array(bytes)], 'surat-diubah.pdf', { type: 'application/pdf' }));
			return data;
		}, [...altered]);
		await resident.getByTestId('pdf-drop').dispatchEvent('drop', { dataTransfer: transfer });
		await expect(result).toHaveAttribute('data-outcome', 'mismatch');
		await expect(result).toContainText('TIDAK COCOK');
		await expect(result).toContainText('surat-diubah.pdf');
		await expectAccessible(resident);
	} finally {
		for (const page of [resident, head, admin]) await page.context().close();
	}
});

test('a text file named foto.jpg is refused in Indonesian and what was typed stays', async ({ page }) => {
	const purpose = `Mendaftar sekolah anak ${Date.now().toString(36)}`;
	await login(page, RESIDENT);
	await expect(page).toHaveURL(/\/$/);
	await open(page, '/surat/baru?layanan=SK-DOM');
	await chooseSiti(page);
	await page.getByLabel('Keperluan').fill(purpose);
	await page.getByLabel('Tambah berkas').setInputFiles({ name: 'foto.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('Ini bukan foto, hanya teks.\n') });
	await page.getByRole('button', { name: 'Kirim permohonan' }).click();
	await expect(page.getByRole('alert').filter({ hasText: 'foto.jpg' })).toContainText(
		'foto.jpg: Jenis berkas tidak didukung. Unggah foto (JPG, PNG, WebP) atau PDF.'
	);
	await expect(page).toHaveURL(/\/surat\/baru\?layanan=SK-DOM$/);
	await expect(page.getByLabel('Keperluan')).toHaveValue(purpose);
	await expect(page.getByRole('status')).toContainText('Draf tersimpan');
});
