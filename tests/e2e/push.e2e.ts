import { createECDH, randomBytes } from 'node:crypto';
import { expect, test, type Worker } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

/**
 * Web Push in Chromium without an external push service: the resident's settings
 * page (why, devices, preferences) is accessible and saves preferences; a push
 * message is delivered to the app's service worker through the DevTools protocol
 * (ServiceWorker.deliverPushMessage) with the payload the server sends, and the
 * worker shows the notification. Headless Chromium has no notification UI and no push
 * service, so a click on the notification and a renewal of the subscription are
 * dispatched to the worker as the browser would (`notificationclick`,
 * `pushsubscriptionchange`), and what the worker's handlers do is checked: the page it
 * opens, and the endpoint the server keeps.
 */

const RESIDENT = '081200000001';
const RW_ADMIN = '081200000003';

test('resident: notification settings, and the service worker shows a delivered push', async ({ browser, baseURL }) => {
	test.setTimeout(90_000); // a login, two contexts and the worker's handlers: slow on a loaded machine
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

	// Following complaints in the resident's RT, from the settings page (docs/complaints.md "Following an area").
	await page.getByRole('link', { name: 'Ikuti pengaduan di RT/RW' }).click();
	await expect(page.getByRole('heading', { name: 'Ikuti pengaduan di lingkungan' })).toBeVisible();
	await page.getByLabel('(RT saya)').check();
	await page.getByRole('button', { name: 'Simpan' }).click();
	await expect(page.getByRole('status')).toHaveText('Pilihan disimpan.');
	await expectAccessible(page);
	await open(page, '/pengaduan/ikuti');
	await expect(page.getByLabel('(RT saya)')).toBeChecked();
	await expect(page.getByLabel('Seluruh RW')).not.toBeChecked();
	await open(page, '/notifikasi/pengaturan');

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

	// A click on it brings the app's window to the notification's page.
	const worker = context.serviceWorkers().find((w) => w.url().startsWith(baseURL!)) ?? (await context.waitForEvent('serviceworker'));
	await dispatchInWorker(worker, 'notificationclick', {});
	await expect(page).toHaveURL(`${baseURL}/banjir`);

	// The push service renews the subscription: the worker subscribes again and the server
	// keeps the new endpoint in place of the old one (which no longer gets pushes).
	const subscription = (name: string) => {
		const ecdh = createECDH('prime256v1');
		ecdh.generateKeys();
		return { endpoint: `https://push.example.test/${name}-${Date.now()}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
	};
	const old = subscription('old');
	const renewed = subscription('renewed');
	const post = (method: 'POST' | 'DELETE', body: object) =>
		page.evaluate(
			async ({ method, body }) => {
				const r = await fetch('/notifikasi/langganan', { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
				return { status: r.status, body: (await r.json()) as { removed?: boolean } };
			},
			{ method, body }
		);
	expect((await post('POST', { subscription: old })).status).toBe(201);
	await dispatchInWorker(worker, 'pushsubscriptionchange', { oldEndpoint: old.endpoint, renewed });
	expect((await post('DELETE', { endpoint: old.endpoint })).body.removed).toBe(false);
	expect((await post('DELETE', { endpoint: renewed.endpoint })).body.removed).toBe(true);

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
	// The complaint statistics: charts with the same numbers in tables.
	await open(admin, '/rw');
	await admin.getByRole('link', { name: 'Statistik pengaduan' }).click();
	await expect(admin.getByRole('heading', { name: 'Statistik pengaduan' })).toBeVisible();
	await expect(admin.getByRole('table', { name: 'Pengaduan per bulan' }).getByRole('row')).toHaveCount(13);
	await expectAccessible(admin);
	await open(page, '/');
	await expect(page.getByTestId('home-announcements').getByRole('heading', { name: title })).toBeVisible();
	await admin.context().close();
	await context.close();
});

/**
 * Dispatches a click on the worker's first notification, or a subscription change, in the
 * service worker as the browser would, and waits for what the handler hands to waitUntil.
 */
async function dispatchInWorker(worker: Worker, type: 'notificationclick' | 'pushsubscriptionchange', args: { oldEndpoint?: string; renewed?: object }): Promise<void> {
	await worker.evaluate(
		async ({ type, args }) => {
			const scope = globalThis as unknown as {
				registration: { getNotifications(): Promise<unknown[]> };
				NotificationEvent: new (type: string, init: { notification: unknown }) => Event;
				ExtendableEvent: new (type: string) => Event;
				dispatchEvent(event: Event): boolean;
			};
			const event =
				type === 'notificationclick'
					? new scope.NotificationEvent(type, { notification: (await scope.registration.getNotifications())[0] })
					: Object.defineProperties(new scope.ExtendableEvent(type), {
							oldSubscription: { value: { endpoint: args.oldEndpoint, options: { applicationServerKey: null } } },
							newSubscription: { value: { toJSON: () => args.renewed } }
						});
			let work: Promise<unknown> = Promise.resolve();
			Object.defineProperty(event, 'waitUntil', { value: (promise: Promise<unknown>) => (work = promise) });
			scope.dispatchEvent(event);
			// A synthetic click carries no user activation, so focusing the window may be refused; the navigation is what counts.
			await work.catch(() => null);
		},
		{ type, args }
	);
}
