import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';

// A mutation is a dated record with documents, visible to the RT
// head of the resident's RT and the RW admin only.
let app: RunningApp;
let head: Browserless;
let admin: Browserless;
let residentPage: string;

const UUID = '[0-9a-f-]{36}';

/** RT 002's head, created through the RW admin's invite flow (the demo has only RT 001's). */
async function otherRtHead(): Promise<Browserless> {
	const invites = await (await admin.get('/rw/invites')).text();
	const rtId = new RegExp(`<option value="(${UUID})">RT 002</option>`).exec(invites)![1]!;
	const created = await admin.post('/rw/invites?/invite', { role: 'rt_head', rtId, note: 'Ketua RT 002', validDays: '7' });
	expect(created.status).toBe(200);
	const code = /data-testid="invite-code">([A-Z0-9-]+)</.exec(await created.text())![1]!;
	const client = new Browserless(app.url);
	const joined = await client.post('/join', { code, name: 'Ketua RT Dua', phone: '0857 2222 0002', password: 'rahasia-rt2', password_confirm: 'rahasia-rt2' });
	expect(joined.status).toBe(303);
	return client;
}

function mutationForm(fields: Record<string, string>, document?: File): FormData {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.set(key, value);
	if (document) form.set('document', document);
	return form;
}

beforeAll(async () => {
	app = await startApp();
	head = new Browserless(app.url);
	admin = new Browserless(app.url);
	await head.login('081200000002', 'rukun-demo');
	await admin.login('081200000003', 'rukun-demo');
	const list = await (await head.get('/registry')).text();
	residentPage = new RegExp(`href="(/registry/${UUID})"`).exec(list)![1]!;
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

describe('mutation documents over HTTP', () => {
	it('stores a photo with a mutation; the link opens for the RT head and the RW admin only', async () => {
		const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8ab' } }).jpeg().toBuffer();
		const saved = await head.postForm(
			`${residentPage}?/mutation`,
			mutationForm({ kind: 'moved_in', occurredOn: '2026-11-02', note: 'Datang dari Bogor' }, new File([new Uint8Array(photo)], 'surat-pindah.jpg', { type: 'image/jpeg' }))
		);
		expect(saved.status).toBe(200);
		expect(await saved.text()).toContain('Mutasi dicatat.');

		const page = await (await head.get(residentPage)).text();
		const link = new RegExp(`href="(${residentPage}/mutations/${UUID}/document)"`).exec(page)?.[1];
		expect(link).toBeDefined();
		expect(page).not.toMatch(/mutations\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{22}\.jpg/); // the file key stays on the server

		for (const client of [head, admin]) {
			const response = await client.get(link!);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toBe('image/jpeg');
			expect(response.headers.get('x-content-type-options')).toBe('nosniff');
			expect(response.headers.get('cache-control')).toBe('private, no-store');
			expect(response.headers.get('content-disposition')).toBe('inline');
			expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
			const bytes = new Uint8Array(await response.arrayBuffer());
			expect([...bytes.slice(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
			expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 640, height: 480 });
		}

		// RLS: RT 002's head cannot see RT 001's mutation.
		const rt2 = await otherRtHead();
		expect((await rt2.get(link!)).status).toBe(404);
		// A resident never reaches /registry at all: the role guard answers 403 before RLS.
		const resident = new Browserless(app.url);
		await resident.login('081200000001', 'rukun-demo');
		expect((await resident.get(link!)).status).toBe(403);
		// Nobody logged in is sent to the login page.
		expect((await new Browserless(app.url).get(link!)).status).toBe(303);
	});

	it('refuses a text file named akta.jpg in Bahasa, keeps what was typed and records nothing', async () => {
		const before = await (await head.get(residentPage)).text();
		const refused = await head.postForm(
			`${residentPage}?/mutation`,
			mutationForm({ kind: 'born', occurredOn: '2026-11-03', note: 'Akta dari kelurahan' }, new File(['ini bukan foto'], 'akta.jpg', { type: 'image/jpeg' }))
		);
		expect(refused.status).toBe(400);
		const html = await refused.text();
		expect(html).toContain('Jenis berkas tidak didukung. Unggah foto (JPG, PNG, WebP) atau PDF.');
		expect(html).toContain('value="Akta dari kelurahan"');
		expect(html).toContain('value="2026-11-03"');
		expect(html).toMatch(/<option value="born" selected/);

		const after = await (await head.get(residentPage)).text();
		expect(after).not.toContain('Akta dari kelurahan');
		// Each history entry names who recorded it.
		const entries = (page: string) => page.split('(Bambang Sutrisno)').length - 1;
		expect(entries(before)).toBeGreaterThan(0);
		expect(entries(after)).toBe(entries(before));
	});
});
