import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, demoSession, startApp, type RunningApp } from '../factories/app';

/**
 * Complaints over HTTP against the built app (demo RW): field errors in Bahasa
 * Indonesia with nothing typed lost, bad uploads, the pin from the photo's GPS and the
 * stored photo without it, script in text kept as text, duplicates and "me too", and who
 * may triage.
 */
let app: RunningApp;
let siti: Browserless; // resident of RT 001
let head: Browserless; // RT head of RT 001
let admin: Browserless; // RW admin
let home: { lat: number; lng: number };
let drainage: string;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

beforeAll(async () => {
	app = await startApp();
	siti = await demoSession(app, '081200000001');
	head = await demoSession(app, '081200000002');
	admin = await demoSession(app, '081200000003');
	const html = await (await siti.get('/pengaduan/baru')).text();
	// The pin starts at Siti's house; the first category is the drainage one.
	home = { lat: Number(/name="lat"[^>]*value="([^"]+)"/.exec(html)?.[1]), lng: Number(/name="lng"[^>]*value="([^"]+)"/.exec(html)?.[1]) };
	drainage = new RegExp(`<option value="(${UUID})">Saluran air`).exec(html)?.[1] ?? '';
	expect(Number.isFinite(home.lat) && drainage).toBeTruthy();
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

const dms = (v: number) => {
	const a = Math.abs(v);
	const d = Math.floor(a);
	const m = Math.floor((a - d) * 60);
	const s = Math.round(((a - d) * 60 - m) * 60 * 1000);
	return `${d}/1 ${m}/1 ${s}/1000`;
};
async function photoAt(p: { lat: number; lng: number }): Promise<File> {
	const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#446688' } })
		.jpeg()
		.withExif({ IFD3: { GPSLatitudeRef: p.lat < 0 ? 'S' : 'N', GPSLatitude: dms(p.lat), GPSLongitudeRef: 'E', GPSLongitude: dms(p.lng) } })
		.toBuffer();
	return new File([new Uint8Array(bytes)], 'IMG_0001.jpg', { type: 'image/jpeg' });
}

function reportForm(fields: Record<string, string>, photos: File[] = []) {
	const form = new FormData();
	for (const [k, v] of Object.entries({ category: drainage, title: 'Got mampet', description: 'Air meluap ke jalan', lat: String(home.lat), lng: String(home.lng), ...fields })) form.set(k, v);
	for (const p of photos) form.append('photos', p);
	return form;
}

describe('the report form', () => {
	it('answers missing fields in Bahasa Indonesia and keeps what was typed', async () => {
		const response = await siti.postForm('/pengaduan/baru', reportForm({ title: 'ab', lat: '', lng: '', description: 'Sudah tiga hari' }));
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Judul 3–120 karakter.');
		expect(html).toContain('Taruh titik lokasi di peta.');
		expect(html).toContain('Sudah tiga hari');
	});

	it('refuses a file that is not an image, and one too large, with the field error', async () => {
		const fake = new File([new TextEncoder().encode('<html>not a photo</html>')], 'foto.jpg', { type: 'image/jpeg' });
		const bad = await siti.postForm('/pengaduan/baru', reportForm({}, [fake]));
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('Jenis berkas tidak didukung');
		const big = new File([new Uint8Array(9 * 1024 * 1024).fill(0xff)], 'besar.jpg', { type: 'image/jpeg' });
		const tooBig = await siti.postForm('/pengaduan/baru', reportForm({}, [big]));
		expect(tooBig.status).toBe(400);
		expect(await tooBig.text()).toContain('Berkas terlalu besar');
	});

	it('warns of a pin outside the RW', async () => {
		const response = await siti.postForm('/pengaduan/baru', reportForm({ lat: String(home.lat + 0.05) }));
		expect(response.status).toBe(409);
		expect(await response.text()).toContain('Titik berada di luar wilayah RW');
	});
});

describe('a report with a photo', () => {
	let id: string;

	it('takes the pin from the photo, stores the photo without GPS, and shows a script title as text', async () => {
		const near = { lat: home.lat + 0.0001, lng: home.lng };
		const response = await siti.postForm('/pengaduan/baru', reportForm({ title: '<script>alert(1)</script>', lat: '', lng: '' }, [await photoAt(near)]));
		expect(response.status).toBe(303);
		id = new RegExp(`^/pengaduan/(${UUID})$`).exec(response.headers.get('location') ?? '')?.[1] ?? '';
		expect(id).not.toBe('');
		const html = await (await siti.get(`/pengaduan/${id}`)).text();
		expect(html).toMatch(/&lt;script(>|&gt;)alert\(1\)&lt;\/script/);
		expect(html).not.toContain('<script>alert(1)</script>');
		const photoId = new RegExp(`/pengaduan/foto/(${UUID})\\?thumb`).exec(html)?.[1];
		for (const path of [`/pengaduan/foto/${photoId}`, `/pengaduan/foto/${photoId}?thumb`]) {
			const photo = await siti.get(path);
			expect(photo.headers.get('content-type')).toBe('image/jpeg');
			expect(await exifr.gps(new Uint8Array(await photo.arrayBuffer()))).toBeUndefined();
		}
		expect((await new Browserless(app.url).get(`/pengaduan/foto/${photoId}`)).status).toBe(303);
	});

	it('is offered to a neighbour filing the same problem nearby, who adds "me too" instead', async () => {
		const again = await head.postForm('/pengaduan/baru', reportForm({ lat: String(home.lat + 0.0002) }));
		expect(again.status).toBe(409);
		expect(await again.text()).toContain(`/pengaduan/${id}`);
		expect((await head.post(`/pengaduan/${id}?/support`, {})).status).toBe(200);
		expect(await (await siti.get(`/pengaduan/${id}`)).text()).toContain('1 warga mendukung');
	});

	it('is triaged by staff only: the reporter may not change its status', async () => {
		expect((await siti.get('/pengaduan/kelola')).status).toBe(403);
		expect((await head.get('/pengaduan/kelola')).status).toBe(200);
		const refused = await siti.post(`/pengaduan/${id}?/status`, { to: 'selesai', note: '' });
		expect(refused.status).toBe(403);
		const bad = await admin.post(`/pengaduan/${id}?/status`, { to: 'ditutup', note: '', closed_reason: 'not_ours', forward_url: 'javascript:alert(1)' });
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('Isi tautan instansi');
		expect((await admin.post(`/pengaduan/${id}?/status`, { to: 'dikerjakan', note: 'Petugas datang' })).status).toBe(200);
		expect(await (await siti.get(`/pengaduan/${id}`)).text()).toContain('Petugas datang');
	});
});
