import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, demoSessions, startApp, type RunningApp } from '../factories/app';

/**
 * Letters over HTTP against the built app: the public catalogue and
 * verification page, who may open and decide which request, form validation of
 * the request (fields and uploads), and the RW's number format setting.
 */

let app: RunningApp;
let siti: Browserless; // resident of RT 001
let head: Browserless; // RT head of RT 001
let admin: Browserless; // RW admin
beforeAll(async () => {
	app = await startApp();
	({ resident: siti, rt_head: head, rw_admin: admin } = await demoSessions(app, ['resident', 'rt_head', 'rw_admin']));
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

/** The form's own address: a failed action re-runs the page load, which reads `layanan`. */
const NEW_DOMICILE = '/surat/baru?layanan=SK-DOM';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const photo = async () =>
	new File([new Uint8Array(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366aa' } }).jpeg().toBuffer())], 'ktp.jpg', {
		type: 'image/jpeg'
	});

/** The household member offered first on the request form (the user's own record). */
async function subjectOf(client: Browserless): Promise<string> {
	const html = await (await client.get(NEW_DOMICILE)).text();
	const id = new RegExp(`<option value="(${UUID})"`).exec(html)?.[1];
	if (!id) throw new Error(`no household member offered on the request form:\n${html.slice(0, 500)}`);
	return id;
}

function domicileForm(subject: string, keperluan: string, files: File[] = [], intent: 'submit' | 'draft' = 'submit') {
	const form = new FormData();
	form.set('kind', 'SK-DOM');
	form.set('subject', subject);
	form.set('f_keperluan', keperluan);
	form.set('intent', intent);
	for (const file of files) form.append('files', file);
	return form;
}

/** Submits an SK-DOM request with one photo; returns its id. */
async function submitDomicile(client: Browserless, keperluan: string): Promise<string> {
	const response = await client.postForm(NEW_DOMICILE, domicileForm(await subjectOf(client), keperluan, [await photo()]));
	expect(response.status).toBe(303);
	const id = new RegExp(`^/surat/(${UUID})\\?sent=1$`).exec(response.headers.get('location') ?? '')?.[1];
	if (!id) throw new Error(`submit did not redirect to the request: ${response.headers.get('location')}`);
	return id;
}

const decide = (client: Browserless, stage: 'rt' | 'rw', id: string, decision: 'approve' | 'return' | 'reject', note = '') =>
	client.post(`/${stage}/surat/${id}?/decide`, { decision, note });

/** Submits, RT approves, RW issues; returns the letter number shown to the RW admin. */
async function issueDomicile(keperluan: string): Promise<string> {
	const id = await submitDomicile(siti, keperluan);
	expect((await decide(head, 'rt', id, 'approve')).status).toBe(200);
	expect((await decide(admin, 'rw', id, 'approve')).status).toBe(200);
	const page = await (await admin.get(`/rw/surat/${id}`)).text();
	const number = /data-testid="letter-number">([^<]+)</.exec(page)?.[1];
	if (!number) throw new Error('issued request shows no letter number');
	return number;
}

const statusOf = async (client: Browserless, path: string) => /data-status="([a-z_]+)"/.exec(await (await client.get(path)).text())?.[1];

describe('the public catalogue and verification page', () => {
	it('lists the 17 services with their fee: free', async () => {
		const response = await new Browserless(app.url).get('/layanan');
		expect(response.status).toBe(200);
		const html = await response.text();
		const kinds = new Set([...html.matchAll(/href="\/layanan\/([A-Z][A-Z0-9-]+)[?"]/g)].map((m) => m[1]));
		expect(kinds.size).toBe(17);
		expect(kinds).toContain('SK-DOM');
		// Every online service (13 of the 17) shows its fee, and the fee is nothing.
		expect(html.match(/<strong>Gratis<\/strong>/g)).toHaveLength(13);
	});

	it('keeps inheritance letters in person: the reason, and no form or apply link', async () => {
		const response = await new Browserless(app.url).get('/layanan/SK-WARIS');
		expect(response.status).toBe(200);
		const main = /<main[\s\S]*<\/main>/.exec(await response.text())![0];
		expect(main).toContain('Hanya dilayani langsung di sekretariat');
		expect(main).toContain('Setiap kasus waris berbeda');
		expect(main).not.toContain('<form');
		expect(main).not.toContain('/surat/baru');
		expect(main).not.toContain('Masuk untuk mengajukan');
	});

	it("links another office's service out to it", async () => {
		const html = await (await new Browserless(app.url).get('/layanan/LINK-OSS')).text();
		expect(html).toMatch(/<a class="button" href="https:\/\/oss\.go\.id"[^>]*>Buka: /);
	});

	it('sends a visitor to the login page for /surat, and says an unknown verification code is not found', async () => {
		const visitor = new Browserless(app.url);
		const list = await visitor.get('/surat');
		expect(list.status).toBe(303);
		expect(list.headers.get('location')).toBe('/login?next=%2Fsurat');
		const verify = await visitor.get(`/v/${crypto.randomUUID().replaceAll('-', '')}`);
		expect(verify.status).toBe(404);
		const html = await verify.text();
		expect(html).toContain('data-verdict="not_found"');
		expect(html).not.toContain('data-verdict="genuine"');
		expect(html).not.toContain('data-testid="number"');
	});
});

describe('who may see and decide a request', () => {
	it('keeps the resident out of the RT and RW desks', async () => {
		for (const path of ['/rt/surat', '/rw/surat']) {
			const response = await siti.get(path);
			expect(response.status, path).toBe(403);
			expect(await response.text()).toContain('Anda tidak memiliki akses ke halaman ini.');
		}
	});

	it("hides another resident's request from the resident (404), also for actions", async () => {
		// A second resident of RT 001: invited by the RW admin, joins, and the RT head
		// adds her registry record with the same phone, which links it to her account.
		const invites = await (await admin.get('/rw/invites')).text();
		const rtId = new RegExp(`<option value="(${UUID})">RT 001</option>`).exec(invites)![1]!;
		const invited = await admin.post('/rw/invites?/invite', { role: 'resident', rtId, note: 'Bu Wulan', validDays: '7' });
		expect(invited.status).toBe(200);
		const code = /data-testid="invite-code">([A-Z0-9-]+)</.exec(await invited.text())![1]!;
		const wulan = new Browserless(app.url);
		const joined = await wulan.post('/join', { code, name: 'Wulan Sari', phone: '0857 4444 5555', password: 'rahasia-wulan', password_confirm: 'rahasia-wulan' });
		expect(joined.status).toBe(303);
		const record = await head.post('/registry/new', {
			rt: '1',
			block: 'W',
			house_number: '4',
			kk: '3172061234560041',
			nik: '3172065203930042', // born 12-03-1993, woman (day + 40)
			name: 'Wulan Sari',
			birth_date: '12-03-1993',
			sex: 'P',
			relation: 'kepala_keluarga',
			status: 'permanent',
			phone: '0857 4444 5555'
		});
		expect(record.status).toBe(303);
		const theirs = await submitDomicile(wulan, 'Melamar pekerjaan');
		const own = await wulan.get(`/surat/${theirs}`);
		expect(own.status).toBe(200);
		const attachment = new RegExp(`href="(/surat/${theirs}/lampiran/${UUID})"`).exec(await own.text())![1]!;
		expect((await wulan.get(attachment)).status).toBe(200);

		expect((await siti.get(`/surat/${theirs}`)).status).toBe(404);
		expect((await siti.get(attachment)).status).toBe(404);
		expect((await siti.post(`/surat/${theirs}?/withdraw`, {})).status).toBe(404);
		expect(await statusOf(wulan, `/surat/${theirs}`)).toBe('submitted');
		// Siti's own list does not show it either.
		expect(await (await siti.get('/surat')).text()).not.toContain(theirs);

		// Once issued, the PDF (it carries the full NIK) is still hers alone.
		expect((await decide(head, 'rt', theirs, 'approve')).status).toBe(200);
		expect((await decide(admin, 'rw', theirs, 'approve')).status).toBe(200);
		expect((await wulan.get(`/surat/${theirs}/pdf`)).status).toBe(200);
		expect((await siti.get(`/surat/${theirs}/pdf`)).status).toBe(404);
	});

	it("refuses the resident's decision on a request, even her own", async () => {
		const id = await submitDomicile(siti, 'Mendaftar sekolah anak');
		const response = await decide(siti, 'rt', id, 'approve');
		expect(response.status).toBe(403);
		expect(await statusOf(siti, `/surat/${id}`)).toBe('submitted');
	});

	it('decides a request once: approving twice is a conflict', async () => {
		const id = await submitDomicile(siti, 'Membuka rekening bank');
		const first = await decide(head, 'rt', id, 'approve');
		expect(first.status).toBe(200);
		expect(await first.text()).toContain('Disetujui dan diteruskan ke RW.');
		const second = await decide(head, 'rt', id, 'approve');
		expect(second.status).toBe(409);
		expect(await second.text()).toContain('Permohonan ini sudah diputuskan atau berubah status.');
		expect(await statusOf(siti, `/surat/${id}`)).toBe('rt_approved');
	});

	it('does not let the RW admin issue a request the RT head has not approved', async () => {
		const id = await submitDomicile(siti, 'Mengurus BPJS');
		const response = await decide(admin, 'rw', id, 'approve');
		expect(response.status).toBe(409);
		const page = await (await admin.get(`/rw/surat/${id}`)).text();
		expect(page).not.toContain('data-testid="letter-number"');
		expect(await statusOf(siti, `/surat/${id}`)).toBe('submitted');
	});
});

describe('request form validation', () => {
	it('refuses an empty Keperluan with a field error and keeps a draft', async () => {
		const response = await siti.postForm(NEW_DOMICILE, domicileForm(await subjectOf(siti), '   '));
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Wajib diisi.');
		expect(html).toMatch(/id="f_keperluan"[^>]*aria-invalid="true"/);
		const draft = new RegExp(`<a href="/surat/(${UUID})">Buka draf</a>`).exec(html)?.[1];
		expect(draft).toBeDefined();
		expect(await statusOf(siti, `/surat/${draft}`)).toBe('draft');
	});

	it('refuses a file over 8 MB with a clear message and stores nothing', async () => {
		const big = new Uint8Array(9 * 1024 * 1024).fill(0x41);
		big.set([0xff, 0xd8, 0xff, 0xe0]); // starts like a JPEG
		const form = domicileForm(await subjectOf(siti), 'Melamar kerja', [new File([big], 'besar.jpg', { type: 'image/jpeg' })]);
		const response = await siti.postForm(NEW_DOMICILE, form);
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('besar.jpg: Berkas terlalu besar (maksimal 8 MB).');
		const draft = new RegExp(`<a href="/surat/(${UUID})">Buka draf</a>`).exec(html)![1]!;
		const page = await (await siti.get(`/surat/${draft}`)).text();
		expect(page).toContain('data-status="draft"');
		expect(page).not.toContain('/lampiran/');
	});

	it('refuses a decompression bomb (a 12000 × 12000 PNG of one colour)', async () => {
		const png = await sharp({ create: { width: 12_000, height: 12_000, channels: 3, background: '#ffffff' }, limitInputPixels: false })
			.toColourspace('b-w')
			.png({ compressionLevel: 6 })
			.toBuffer();
		expect(png.byteLength).toBeLessThan(1024 * 1024); // small on the wire, 144 MP once decoded
		const form = domicileForm(await subjectOf(siti), 'Melamar kerja', [new File([new Uint8Array(png)], 'bom.png', { type: 'image/png' })]);
		const response = await siti.postForm(NEW_DOMICILE, form);
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('bom.png: Ukuran gambar (piksel) terlalu besar. Kecilkan foto lalu coba lagi.');
	});
});

describe('letter number format', () => {
	/** The settings form as the page shows it, so only the number format changes. */
	async function settingsFields(): Promise<Record<string, string>> {
		const html = await (await admin.get('/rw/layanan')).text();
		const input = (id: string) => new RegExp(`<input id="${id}"[^>]*? value="([^"]*)"`).exec(html)?.[1];
		const hours = /<textarea id="office_hours"[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1];
		const fields = { place: input('place'), office_hours: hours, slot_minutes: input('slot_minutes'), per_slot: input('per_slot') };
		for (const [k, v] of Object.entries(fields)) if (v === undefined) throw new Error(`settings form has no ${k}`);
		return fields as Record<string, string>;
	}
	const saveFormat = async (number_format: string) => admin.post('/rw/layanan?/settings', { ...(await settingsFields()), number_format });

	it('refuses a format without {year} with an Indonesian field error, and numbers by a valid one', async () => {
		const refused = await saveFormat('{seq:03}/{kind}/{rw}/{month:roman}');
		expect(refused.status).toBe(400);
		const html = await refused.text();
		expect(html).toContain('Format harus memuat {year} (register per tahun).');
		expect(html).toMatch(/id="number_format"[^>]*aria-invalid="true"/);

		const before = await issueDomicile('Syarat pindah sekolah');
		const [seq, , , , year] = before.split('/');
		expect(before).toMatch(/^\d{3}\/SK-DOM\/RW012\/[IVX]+\/\d{4}$/);
		try {
			const saved = await saveFormat('{seq:04}-{kind}-{year}');
			expect(saved.status).toBe(200);
			expect(await saved.text()).toContain('Pengaturan tersimpan.');
			// Same register (kind and year), so the sequence simply goes on in the new format.
			const after = await issueDomicile('Syarat beasiswa');
			expect(after).toBe(`${String(Number(seq) + 1).padStart(4, '0')}-SK-DOM-${year}`);
		} finally {
			expect((await saveFormat('{seq:03}/{kind}/{rw}/{month:roman}/{year}')).status).toBe(200);
		}
	});
});

describe('a death letter and the registry', () => {
	it("shows the RT head that the registry has no death recorded yet, with the way to the resident's record", async () => {
		const html = await (await siti.get('/surat/baru?layanan=SK-MATI')).text();
		const subject = new RegExp(`<option value="(${UUID})"`).exec(html)?.[1];
		if (!subject) throw new Error('no household member offered');
		const form = new FormData();
		form.set('kind', 'SK-MATI');
		form.set('subject', subject);
		form.set('f_tanggal_meninggal', '2026-11-02');
		form.set('f_tempat_meninggal', 'Rumah');
		form.set('f_keperluan', 'Akta kematian');
		form.set('intent', 'submit');
		form.append('files', await photo());
		const sent = await siti.postForm('/surat/baru?layanan=SK-MATI', form);
		expect(sent.status).toBe(303);
		const id = new RegExp(`^/surat/(${UUID})\\?sent=1$`).exec(sent.headers.get('location') ?? '')?.[1];
		const page = await (await head.get(`/rt/surat/${id}`)).text();
		const section = /<section[^>]*data-testid="mutation-reference"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
		expect(section).toContain('Catatan mutasi di register');
		expect(section).toMatch(/Belum ada mutasi ("|&quot;)Meninggal("|&quot;) untuk warga ini/);
		expect(section).toContain(`href="/registry/${subject}"`);
		// A domicile request has no such section.
		const domicile = await submitDomicile(siti, 'Bank');
		expect(await (await head.get(`/rt/surat/${domicile}`)).text()).not.toContain('data-testid="mutation-reference"');
	});
});

