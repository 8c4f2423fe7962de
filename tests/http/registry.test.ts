import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';
import { pdfText } from '../factories/pdf';

let app: RunningApp;
let head: Browserless;
beforeAll(async () => {
	app = await startApp();
	head = new Browserless(app.url);
	await head.login('081200000002', 'rukun-demo');
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

const upload = (bytes: Uint8Array<ArrayBuffer>, name: string, type: string) => {
	const form = new FormData();
	form.set('file', new File([bytes], name, { type }));
	return head.postForm('/registry/import', form);
};

describe('registry over HTTP', () => {
	it('answers 404 for a malformed id in every page and action, before the database sees it ([id=uuid])', async () => {
		const bad = encodeURIComponent("1' or '1'='1");
		for (const path of [`/registry/${bad}`, `/registry/${bad}/edit`, `/registry/houses/${bad}`, `/registry/${bad}/mutations/${bad}/document`]) {
			expect((await head.get(path)).status, path).toBe(404);
		}
		expect((await head.post(`/registry/${bad}?/reveal`, { field: 'nik', reason: 'Cek data' })).status).toBe(404);
		expect((await head.post(`/registry/${bad}?/mutation`, { kind: 'died', occurredOn: '2026-11-01', note: '' })).status).toBe(404);
		expect((await head.post(`/registry/houses/${bad}`, { category: 'house', occupancy: 'owner' })).status).toBe(404);
	});

	it('refuses an upload whose content is not a spreadsheet, whatever its name', async () => {
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
		const response = await upload(png, 'warga.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('Jenis berkas tidak didukung. Gunakan .xlsx atau .csv.');
	});

	it('refuses an oversized upload with a clear message', async () => {
		const big = new Uint8Array(10 * 1024 * 1024 + 10).fill(0x41);
		const response = await upload(big, 'warga.csv', 'text/csv');
		expect(response.status).toBe(413);
		expect(await response.text()).toContain('Berkas terlalu besar (maksimal 10 MB).');
	});

	it('shows Bahasa field errors for a bad resident and writes nothing', async () => {
		const response = await head.post('/registry/new', {
			rt: '1',
			house_number: '9',
			kk: '3172061234560099',
			nik: '3172060101900001',
			name: 'Uji Salah',
			birth_date: '1990-01-02',
			sex: 'L',
			relation: 'kepala_keluarga',
			status: 'permanent'
		});
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('Tanggal lahir di NIK tidak sama dengan tanggal lahir yang diisi.');
		const list = await (await head.get('/registry?q=uji%20salah')).text();
		expect(list).toContain('Tidak ada warga yang cocok.');
	});

	it('keeps an RT head to their own RT when adding a resident', async () => {
		const response = await head.post('/registry/new', {
			rt: '2',
			house_number: '9',
			kk: '3172061234560098',
			nik: '3172060101900077',
			name: 'Warga RT Lain',
			birth_date: '1990-01-01',
			sex: 'L',
			relation: 'kepala_keluarga',
			status: 'permanent'
		});
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('Anda hanya dapat mengisi data RT Anda sendiri.');
	});

	it('adds a valid resident, finds her by the last four NIK digits, and exports only with a reason', async () => {
		const created = await head.post('/registry/new', {
			rt: '1',
			block: 'C',
			house_number: '3',
			kk: '3172061234560097',
			nik: '3172065106920123',
			name: 'Ratna Uji',
			birth_date: '11-06-1992',
			sex: 'Perempuan',
			relation: 'istri',
			status: 'permanent'
		});
		expect(created.status).toBe(303);
		const found = await (await head.get('/registry?nik=0123')).text();
		expect(found).toContain('Ratna Uji');
		// The list is sent as plain HTML: no client runtime, no hydration data with the rows.
		expect(found).not.toContain('<script');
		expect(found.match(/Ratna Uji/g)).toHaveLength(1);
		// Reached from another page, the app navigates to the list through its data,
		// which then carries the rows themselves (only the server render gets them wrapped).
		const data = await head.get('/registry/__data.json?nik=0123&x-sveltekit-invalidated=01');
		expect(data.status).toBe(200);
		const nodes = (await data.json()) as { type: string; nodes: ({ data: unknown[] } | null)[] };
		expect(nodes.type).toBe('data');
		expect(JSON.stringify(nodes.nodes.at(-1)!.data)).toContain('Ratna Uji');
		// Switching the language comes back to the same search.
		expect(found).toContain('name="back" value="/registry?nik=0123"');
		const switched = await head.post('/lang', { to: 'en', back: '/registry?nik=0123' });
		expect(switched.status).toBe(303);
		expect(switched.headers.get('location')).toBe('/registry?nik=0123');
		expect(await (await head.get('/registry?nik=0123')).text()).toContain('Residents');
		await head.post('/lang', { to: 'id', back: '/' });
		expect(found).toContain('••••••••••••0123');
		expect(found).not.toContain('3172065106920123');
		expect((await head.post('/registry/export', { reason: '' })).status).toBe(400);
		const xlsx = await head.post('/registry/export', { reason: 'Rapat bulanan RT' });
		expect(xlsx.status).toBe(200);
		expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
		const bytes = new Uint8Array(await xlsx.arrayBuffer());
		expect([...bytes.slice(0, 2)]).toEqual([0x50, 0x4b]); // a ZIP (XLSX)
	});

	it('gives a resident their own household as JSON and as a PDF, masked, and nobody else', async () => {
		const siti = new Browserless(app.url);
		await siti.login('081200000001', 'rukun-demo');
		const json = await siti.get('/household/export');
		expect(json.status).toBe(200);
		const data = (await json.json()) as { households: { kk_masked: string; members: { name: string; nik_masked: string }[] }[] };
		const member = data.households[0]!.members.find((m) => m.name === 'Siti Rahmawati')!;
		expect(member.nik_masked).toMatch(/^•{12}\d{4}$/);

		const pdf = await siti.get('/household/export?format=pdf');
		expect(pdf.status).toBe(200);
		expect(pdf.headers.get('content-type')).toBe('application/pdf');
		expect(pdf.headers.get('content-disposition')).toContain('data-keluarga-saya.pdf');
		const bytes = new Uint8Array(await pdf.arrayBuffer());
		expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
		const text = (await pdfText(bytes)).replace(/\s+/g, ' ');
		expect(text).toContain('Siti Rahmawati');
		expect(text).toContain(`NIK: ${member.nik_masked}`);
		expect(text).toContain(`No. KK ${data.households[0]!.kk_masked}`);

		const stranger = await fetch(`${app.url}/household/export?format=pdf`, { redirect: 'manual' });
		expect(stranger.status).toBe(303);
		expect(stranger.headers.get('location')).toMatch(/^\/login/);
	});
});
