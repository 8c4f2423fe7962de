import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSessions, startApp, type Browserless, type RunningApp } from '../factories/app';

/** The menu marks exactly one link as the current page; the letter form says where its text goes. */

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

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The hrefs of the links marked aria-current="page" on a page. */
async function currentLinks(client: Browserless, path: string): Promise<string[]> {
	const response = await client.get(path);
	expect(response.status, path).toBe(200);
	const html = await response.text();
	return [...html.matchAll(/<a href="([^"]+)"[^>]*aria-current="page"/g)].map((m) => m[1]!);
}

/** A domicile request by the resident; returns its id. */
async function submitDomicile(): Promise<string> {
	const html = await (await siti.get('/surat/baru?layanan=SK-DOM')).text();
	const subject = new RegExp(`<option value="(${UUID})"`).exec(html)![1]!;
	const form = new FormData();
	form.set('kind', 'SK-DOM');
	form.set('subject', subject);
	form.set('f_keperluan', 'melamar pekerjaan');
	form.set('intent', 'submit');
	const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#336699' } }).jpeg().toBuffer();
	form.append('files', new File([new Uint8Array(jpeg)], 'ktp.jpg', { type: 'image/jpeg' }));
	const response = await siti.postForm('/surat/baru?layanan=SK-DOM', form);
	return new RegExp(`^/surat/(${UUID})`).exec(response.headers.get('location') ?? '')![1]!;
}

describe('the menu', () => {
	it('marks one link current on the RT and RW letter desks and their details, never their area link too', async () => {
		const id = await submitDomicile();
		expect(await currentLinks(head, '/rt/surat')).toEqual(['/rt/surat']);
		expect(await currentLinks(head, `/rt/surat/${id}`)).toEqual(['/rt/surat']);
		expect(await currentLinks(head, '/rt')).toEqual(['/rt']);
		expect(await currentLinks(admin, '/rw/surat')).toEqual(['/rw/surat']);
		expect(await currentLinks(admin, '/rw/surat/laporan')).toEqual(['/rw/surat']);
		expect(await currentLinks(admin, '/rw/devices')).toEqual(['/rw']);
		expect(await currentLinks(siti, `/surat/${id}`)).toEqual(['/surat']);
	});
});

describe('the letter request form', () => {
	it('says the purpose is written after "untuk keperluan:", tied to its field, in both languages', async () => {
		const html = await (await siti.get('/surat/baru?layanan=SK-DOM')).text();
		expect(html).toMatch(/<span class="hint" id="f_keperluan-hint"[^>]*>Di surat, isian ini ditulis setelah “untuk keperluan:”/);
		expect(html).toMatch(/<textarea[^>]*id="f_keperluan"[^>]*aria-describedby="f_keperluan-hint"/);
		await siti.post('/lang', { to: 'en', back: '/' });
		const english = await (await siti.get('/surat/baru?layanan=SK-DOM')).text();
		expect(english).toContain('this text follows “untuk keperluan:”');
	});
});
