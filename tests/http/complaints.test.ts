import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, DEMO_PHONES, demoSession, type RunningApp } from '../factories/app';
import { startAppWithRows } from '../factories/app-rows';
import { makeMember, makeRw, TEST_PASSWORD, uniquePhone } from '../factories/tenancy';

/**
 * Complaints over HTTP against the built app (demo RW): field errors in Bahasa
 * Indonesia with nothing typed lost, bad uploads, the pin from the photo's GPS and the
 * stored photo without it, script in text kept as text, duplicates and "me too", who
 * may triage, assign and moderate, the category editor, and the map tiles' CSP; the
 * staff of a second RW kept out of the demo RW's complaints; the English category names;
 * a supporter told "no longer shown" (410), not "not found", once the report is hidden.
 */
let app: RunningApp;
let siti: Browserless; // resident of RT 001
let head: Browserless; // RT head of RT 001
let admin: Browserless; // RW admin
let treasurer: Browserless; // a member who is not complaint staff
let otherAdmin: Browserless; // RW admin of a second RW
let otherHead: Browserless; // RT head in that second RW
const TILES = 'http://tiles.lan:8080';
let home: { lat: number; lng: number };
let drainage: string;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

beforeAll(async () => {
	// A second RW with its own staff, written before the app starts (tests/factories/app-rows.ts).
	const phones = { admin: uniquePhone(), head: uniquePhone() };
	app = await startAppWithRows(
		async (db) => {
			const rw = await makeRw(db, 1, 1);
			await makeMember(db, rw, 'rw_admin', { phone: phones.admin });
			await makeMember(db, rw, 'rt_head', { phone: phones.head });
		},
		{ MAP_TILE_URL: `${TILES}/{z}/{x}/{y}.png` }
	);
	siti = await demoSession(app, '081200000001');
	head = await demoSession(app, '081200000002');
	admin = await demoSession(app, '081200000003');
	treasurer = await demoSession(app, DEMO_PHONES.treasurer);
	otherAdmin = new Browserless(app.url);
	await otherAdmin.login(phones.admin, TEST_PASSWORD);
	otherHead = new Browserless(app.url);
	await otherHead.login(phones.head, TEST_PASSWORD);
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

/** The page as shown: without the scripts (the hydration data carries both names of a category). */
const shown = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, '');
const idFrom = (response: Response) => new RegExp(`^/pengaduan/(${UUID})$`).exec(response.headers.get('location') ?? '')?.[1] ?? '';

describe('the staff of another RW', () => {
	let id: string;
	let photoId: string;
	beforeAll(async () => {
		const response = await siti.postForm('/pengaduan/baru', reportForm({ title: 'Lampu gang padam', ignore_duplicates: 'on' }, [await photoAt(home)]));
		expect(response.status).toBe(303);
		id = idFrom(response);
		photoId = new RegExp(`/pengaduan/foto/(${UUID})\\?thumb`).exec(await (await siti.get(`/pengaduan/${id}`)).text())?.[1] ?? '';
		expect(photoId).not.toBe('');
	});

	it('neither see, triage, assign, moderate, nor read the photos or statistics of this RW’s complaints', async () => {
		for (const who of [otherAdmin, otherHead]) {
			expect((await who.get(`/pengaduan/${id}`)).status).toBe(404);
			expect(await (await who.get('/pengaduan')).text()).not.toContain(id);
			expect(await (await who.get('/pengaduan/kelola')).text()).not.toContain(id);
			expect((await who.get(`/pengaduan/foto/${photoId}`)).status).toBe(404);
			expect((await who.get(`/pengaduan/foto/${photoId}?thumb`)).status).toBe(404);
			expect((await who.post(`/pengaduan/${id}?/status`, { to: 'dikerjakan', note: 'Dari RW lain' })).status).toBe(404);
			expect((await who.post(`/pengaduan/${id}?/assign`, { assignee: '' })).status).toBe(404);
			expect((await who.post(`/pengaduan/${id}?/hide`, { reason: 'Dari RW lain' })).status).toBe(404);
			expect((await who.post(`/pengaduan/${id}?/edit`, { title: 'Diubah RW lain', description: 'Diubah', reason: 'Dari RW lain' })).status).toBe(404);
			expect((await who.post(`/pengaduan/${id}?/photo`, { photo: photoId, reason: 'Dari RW lain' })).status).toBe(404);
			const bulk = await who.post('/pengaduan/kelola?/bulk', { ids: id, to: 'dikerjakan', note: 'Dari RW lain' });
			expect(bulk.status).toBe(400);
			expect(await bulk.text()).toContain('Pengaduan tidak ditemukan.');
		}
		// Their statistics count their own RW only (none), the demo RW's count this one.
		expect(await (await otherAdmin.get('/rw/statistik')).text()).toMatch(/data-testid="stats-total">0</);
		expect(await (await otherHead.get('/rt/statistik')).text()).toMatch(/data-testid="stats-total">0</);
		expect(await (await admin.get('/rw/statistik')).text()).toMatch(/data-testid="stats-total">[1-9]/);
		// Nothing changed: still new, shown, with its text, unassigned, its photo shown.
		const page = await (await admin.get(`/pengaduan/${id}`)).text();
		expect(page).toContain('Lampu gang padam');
		expect(page).not.toContain('Dari RW lain');
		expect(page).toMatch(/data-testid="assignee">Belum ditugaskan</);
		expect((await siti.get(`/pengaduan/foto/${photoId}`)).status).toBe(200);
		expect((await treasurer.get(`/pengaduan/${id}`)).status).toBe(200);
	});

	it('while this RW’s staff still can', async () => {
		expect((await head.get(`/pengaduan/foto/${photoId}`)).status).toBe(200);
		expect(await (await head.get('/pengaduan/kelola')).text()).toContain(id);
		expect((await head.post(`/pengaduan/${id}?/status`, { to: 'dikerjakan', note: 'Dicek RT' })).status).toBe(200);
		expect((await admin.post(`/pengaduan/${id}?/hide`, { reason: 'Diperiksa pengurus' })).status).toBe(200);
		expect((await admin.post(`/pengaduan/${id}?/unhide`, { reason: 'Sudah diperiksa' })).status).toBe(200);
		expect(await (await siti.get(`/pengaduan/${id}`)).text()).toContain('Dicek RT');
	});
});

describe('in English', () => {
	it('every page that names a category names it in English, the Indonesian name when it has none', async () => {
		const english = async (who: Browserless, path: string) => {
			who.cookies.set('lang', 'en');
			try {
				const response = await who.get(path);
				expect(response.status, path).toBe(200);
				return shown(await response.text());
			} finally {
				who.cookies.delete('lang');
			}
		};
		// A category without an English name (the Indonesian one stands in).
		expect((await admin.post('/pengaduan/kelola/kategori?/save', { name: 'Pohon rawan tumbang', name_en: '', route_to: 'rt_head', active: 'on' })).status).toBe(200);
		const form = await english(siti, '/pengaduan/baru');
		expect(form).toMatch(/<option value="[^"]+">Blocked drain<\/option>/);
		expect(form).toMatch(/<option value="[^"]+">Pohon rawan tumbang<\/option>/);
		expect(form).not.toContain('Saluran air');
		const filed = await siti.postForm('/pengaduan/baru', reportForm({ title: 'Got di gang buntu', ignore_duplicates: 'on' }));
		const id = idFrom(filed);
		const list = await english(siti, '/pengaduan');
		expect(list).toMatch(/My complaints[\s\S]*Got di gang buntu[\s\S]*Blocked drain/); // my reports
		expect(list).toMatch(/Residents’ complaints[\s\S]*Blocked drain/); // the public list
		expect(list).not.toContain('Saluran air');
		expect(await english(treasurer, `/pengaduan/${id}`)).toContain('Blocked drain');
		expect(await english(head, '/pengaduan/kelola')).toContain('Blocked drain');
		const stats = await english(admin, '/rw/statistik');
		expect(stats).toContain('Blocked drain');
		expect(stats).not.toContain('Saluran air');
		// The RT head was told in Indonesian words stored once, read in their language.
		expect(await english(head, '/notifikasi')).toContain('New complaint: Got di gang buntu (Blocked drain)');
		expect(await (await head.get('/notifikasi')).text()).toContain('Pengaduan baru: Got di gang buntu (Saluran air / got tersumbat)');
	});
});

describe('triage and moderation over HTTP', () => {
	let id: string;
	beforeAll(async () => {
		const response = await siti.postForm('/pengaduan/baru', reportForm({ title: 'Sampah di depan rumah Pak Darmo', description: 'Pak Darmo HP 0812-9999 buang sampah', ignore_duplicates: 'on' }));
		expect(response.status).toBe(303);
		id = new RegExp(`^/pengaduan/(${UUID})$`).exec(response.headers.get('location') ?? '')?.[1] ?? '';
	});

	it('refuses moderation and assignment to the reporter and to members who are not staff, changing nothing', async () => {
		for (const [who, status] of [[siti, 403], [treasurer, 404]] as const) {
			expect((await who.post(`/pengaduan/${id}?/hide`, { reason: 'Coba sembunyikan' })).status).toBe(status);
			expect((await who.post(`/pengaduan/${id}?/edit`, { title: 'Diubah', description: 'Diubah', reason: 'Coba ubah' })).status).toBe(status);
			expect((await who.post(`/pengaduan/${id}?/assign`, { assignee: '' })).status).toBe(status);
		}
		const html = await (await treasurer.get(`/pengaduan/${id}`)).text();
		expect(html).toContain('Sampah di depan rumah Pak Darmo');
		expect(html).not.toContain('Moderasi');
	});

	it('the RW admin edits the text for privacy: the public page shows only the new text, staff see the original', async () => {
		const missing = await admin.post(`/pengaduan/${id}?/edit`, { title: 'Sampah di RT 1', description: 'Ada warga buang sampah', reason: '' });
		expect(missing.status).toBe(400);
		expect(await missing.text()).toContain('Isi alasan (3–500 karakter).');
		expect((await admin.post(`/pengaduan/${id}?/edit`, { title: 'Sampah di RT 1', description: 'Ada warga buang sampah', reason: 'Nama dan nomor HP warga' })).status).toBe(200);
		const asMember = await (await treasurer.get(`/pengaduan/${id}`)).text();
		expect(asMember).toContain('Sampah di RT 1');
		expect(asMember).not.toMatch(/Darmo|0812-9999/);
		expect(await (await treasurer.get('/pengaduan')).text()).not.toMatch(/Darmo/);
		expect(await (await admin.get(`/pengaduan/${id}`)).text()).toContain('Pak Darmo HP 0812-9999 buang sampah');
	});

	it('hides the report from other members; the RT head is assigned and finds it under "assigned to me"', async () => {
		// The treasurer says "me too" first; the security officer never heard of it.
		expect((await treasurer.post(`/pengaduan/${id}?/support`, {})).status).toBe(200);
		expect((await admin.post(`/pengaduan/${id}?/hide`, { reason: 'Sedang diperiksa' })).status).toBe(200);
		const gone = await treasurer.get(`/pengaduan/${id}`);
		expect(gone.status).toBe(410);
		const goneHtml = await gone.text();
		expect(goneHtml).toContain('Pengaduan ini tidak lagi ditampilkan');
		expect(goneHtml).not.toMatch(/Sampah di RT 1|Sedang diperiksa/);
		const officer = await demoSession(app, DEMO_PHONES.security_officer);
		const unknown = await officer.get(`/pengaduan/${id}`);
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).not.toContain('tidak lagi ditampilkan');
		expect(await (await siti.get(`/pengaduan/${id}`)).text()).toContain('Sedang diperiksa');
		// The demo RT head (Bambang Sutrisno) is offered: the pin is at Siti's house, in his RT.
		const page = await (await admin.get(`/pengaduan/${id}`)).text();
		const bambang = new RegExp(`<option value="(${UUID})"[^>]*>Bambang Sutrisno</option>`).exec(page)?.[1] ?? '';
		expect(bambang).not.toBe('');
		expect((await admin.post(`/pengaduan/${id}?/assign`, { assignee: bambang })).status).toBe(200);
		expect(await (await admin.get(`/pengaduan/${id}`)).text()).toMatch(/data-testid="assignee"[^>]*>Bambang Sutrisno</);
		expect(await (await head.get('/pengaduan/kelola?assignee=me')).text()).toContain(`/pengaduan/${id}`);
		expect(await (await head.get('/pengaduan/kelola?assignee=none')).text()).not.toContain(`/pengaduan/${id}`);
	});

	it('changes several statuses at once and names the one the rules refuse', async () => {
		const other = await siti.postForm('/pengaduan/baru', reportForm({ title: 'Lampu mati', ignore_duplicates: 'on' }));
		const otherId = new RegExp(`^/pengaduan/(${UUID})$`).exec(other.headers.get('location') ?? '')?.[1] ?? '';
		expect((await admin.post(`/pengaduan/${otherId}?/status`, { to: 'selesai', note: '' })).status).toBe(200);
		const body = new URLSearchParams({ to: 'diterima', note: 'Dicek' });
		body.append('ids', id);
		body.append('ids', otherId);
		const response = await fetch(`${app.url}/pengaduan/kelola?/bulk`, {
			method: 'POST',
			redirect: 'manual',
			body,
			headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
		});
		expect(response.status).toBe(200);
		const html = await response.text();
		expect(html).toContain('1 pengaduan diubah.');
		expect(html).toMatch(/Lampu mati<\/a>(<!--[^>]*-->)*: Perubahan status ini tidak diperbolehkan\./);
		expect(await (await siti.get(`/pengaduan/${id}`)).text()).toContain('Dicek');
		expect(await (await siti.get(`/pengaduan/${otherId}`)).text()).not.toContain('Dicek');
		expect((await siti.post('/pengaduan/kelola?/bulk', { ids: id, to: 'selesai', note: '' })).status).toBe(403);
	});

	it('lets only the RW admin edit categories, with field errors in Bahasa Indonesia', async () => {
		expect((await head.get('/pengaduan/kelola/kategori')).status).toBe(403);
		expect((await head.post('/pengaduan/kelola/kategori?/save', { name: 'Pohon', route_to: 'rt_head', active: 'on' })).status).toBe(403);
		expect((await siti.get('/pengaduan/kelola/kategori')).status).toBe(403);
		const bad = await admin.post('/pengaduan/kelola/kategori?/save', { name: 'P', name_en: '', route_to: 'lurah', active: 'on' });
		expect(bad.status).toBe(400);
		const badHtml = await bad.text();
		expect(badHtml).toContain('Nama 2–60 karakter.');
		expect(badHtml).toContain('Pilih tujuan pengaduan.');
		expect((await admin.post('/pengaduan/kelola/kategori?/save', { name: 'Pohon tumbang', name_en: 'Fallen tree', route_to: 'rw_admin', active: 'on' })).status).toBe(200);
		expect(await (await siti.get('/pengaduan/baru')).text()).toContain('Pohon tumbang');
	});

	it('allows the map tiles’ server in the CSP on the pages with a map, and nowhere else', async () => {
		const imgSrc = async (who: Browserless, path: string) => {
			const response = await who.get(path);
			expect(response.status, path).toBe(200);
			return /img-src ([^;]*)/.exec(response.headers.get('content-security-policy') ?? '')?.[1] ?? '';
		};
		expect(await imgSrc(siti, '/pengaduan')).toContain(TILES);
		expect(await imgSrc(siti, '/pengaduan/baru')).toContain(TILES);
		expect(await imgSrc(head, '/pengaduan/kelola')).toContain(TILES);
		expect(await imgSrc(treasurer, '/treasurer/peta')).toContain(TILES);
		expect(await imgSrc(siti, '/account')).not.toContain(TILES);
		expect(await imgSrc(siti, '/pengumuman')).not.toContain(TILES);
	});
});
