import { expect, test } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

/**
 * Web Push in Chromium without an external push service: the resident's settings
 * page (why, devices, preferences) is accessible and saves preferences; a push
 * message is delivered to the app's service worker through the DevTools protocol
 * (ServiceWorker.deliverPushMessage) with the payload the server sends, and the
 * worker shows the notification.
 */

const RESIDENT = '081200000001';
const RW_ADMIN = '081200000003';

test('resident: notification settings, and the service worker shows a delivered push', async ({ browser, baseURL }) => {
	const context = await browser.newContext();
	await context.grantPermissions(['notifications'], { origin: baseURL });
	const page = await context.newPage();
	await login(page, RESIDENT);
	await expect(page).toHaveURL(/\/$/);

	await open(page, '/notifikasi/pengaturan');
	await expect(page.getByRole('heading', { name: 'Notifikasi di perangkat ini' })).toBeVisible();
	await expect(page.getByText('browser akan menanyakan izin')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Aktifkan notifikasi di perangkat ini' })).toBeVisible();
	await expectAccessible(page);

	// Preferences: flood from Siaga 2 only, no dues; saved and shown again after a reload.
	await page.getByLabel('Mulai dari tingkat').selectOption('2');
	await page.getByLabel('Pengingat dan tanda terima iuran').uncheck();
	await page.getByRole('button', { name: 'Simpan pengaturan' }).click();
	await expect(page.getByRole('status')).toHaveText('Pengaturan tersimpan.');
	await open(page, '/notifikasi/pengaturan');
	await expect(page.getByLabel('Mulai dari tingkat')).toHaveValue('2');
	await expect(page.getByLabel('Pengingat dan tanda terima iuran')).not.toBeChecked();

	// The app's service worker, and its registration id as DevTools knows it.
	const cdp = await context.newCDPSession(page);
	const registrationId = new Promise<string>((resolve) => {
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const ours = registrations.find((r) => r.scopeURL === `${baseURL}/` && !r.isDeleted);
			if (ours) resolve(ours.registrationId);
		});
	});
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
	await cdp.send('ServiceWorker.enable');
	const payload = { title: 'Peringatan banjir', body: 'Kali Ciliwung: air naik ke Siaga 2 (180 cm).', url: '/banjir', tag: 'flood-sensor-1', icon: '/icons/icon-192.png' };
	const id = await registrationId;
	const shown = () =>
		page.evaluate(async () =>
			(await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url }))
		);
	// Delivered again until shown: on a loaded machine Chromium may take the first one
	// before its push service knows the registration. The tag keeps it to one notification.
	await expect(async () => {
		await cdp.send('ServiceWorker.deliverPushMessage', { origin: baseURL!, registrationId: id, data: JSON.stringify(payload) });
		await expect.poll(shown, { timeout: 2000 }).toEqual([{ title: payload.title, body: payload.body, tag: payload.tag, url: '/banjir' }]);
	}).toPass({ timeout: 20_000 });

	// The RW admin posts an announcement to the whole RW; it is on the resident's home.
	const admin = await (await browser.newContext()).newPage();
	await login(admin, RW_ADMIN);
	await expect(admin).toHaveURL(/\/rw/);
	await open(admin, '/pengumuman');
	const title = `Kerja bakti ${Date.now()}`;
	await admin.getByLabel('Judul').fill(title);
	await admin.getByLabel('Isi pengumuman').fill('Minggu pagi jam 7 di balai warga.');
	await admin.getByRole('button', { name: 'Terbitkan' }).click();
	await expect(admin.getByRole('status')).toHaveText('Pengumuman diterbitkan.');
	await expectAccessible(admin);
	await open(page, '/');
	await expect(page.getByTestId('home-announcements').getByRole('heading', { name: title })).toBeVisible();
	await admin.context().close();
	await context.close();
});
