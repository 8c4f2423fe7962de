import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/domain/roles';
import { translate, type MessageKey } from '../../src/lib/i18n';
import { Browserless, DEMO_PHONES, startApp, type RunningApp } from '../factories/app';

/**
 * Dues over real HTTP against the built app and its demo RW (tariffs, four months of
 * invoices, some cash payments): who may open which page and action, bad input refused
 * with field errors and nothing written, a proof from upload to receipt, exports that
 * open.
 */

const DEMO = DEMO_PHONES;
type Who = Role | 'visitor';
const WHO: Who[] = ['visitor', 'resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'];
const MEMBERS: Who[] = ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'];
const ACTION = { 'x-sveltekit-action': 'true', accept: 'application/json' };
const NO_ID = '00000000-0000-4000-8000-000000000000';

let app: RunningApp;
const clients = new Map<Who, Browserless>();
const as = (who: Who) => clients.get(who)!;

beforeAll(async () => {
	app = await startApp();
	for (const who of WHO) {
		const client = new Browserless(app.url);
		if (who !== 'visitor') await client.login(DEMO[who], 'rukun-demo');
		clients.set(who, client);
	}
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '(no title)';

/** A multipart action as `use:enhance` sends it (JSON answer). */
async function postMultipart(client: Browserless, path: string, body: FormData) {
	const response = await fetch(client.base + path, {
		method: 'POST',
		redirect: 'manual',
		body,
		headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: client.base, ...ACTION }
	});
	return { status: response.status, body: (await response.json()) as { type: string; status: number; data: string } };
}
const action = async (who: Who, path: string, fields: Record<string, string>) => {
	const response = await as(who).post(path, fields, ACTION);
	return { status: response.status, body: (await response.json()) as { type: string; status: number; data: string } };
};
const photo = (seed: number) => sharp({ create: { width: 64 + seed, height: 48, channels: 3, background: '#2a6' } }).png().toBuffer();
const paymentsCsv = async () => (await (await as('treasurer').get('/treasurer/kas/ekspor/payments?format=csv')).text()).trim().split('\r\n');

describe('who may open the dues pages', () => {
	const PAGES: { path: string; title: MessageKey; allow: Who[] }[] = [
		{ path: '/iuran', title: 'dues.title', allow: MEMBERS },
		{ path: '/iuran/laporan', title: 'dues.report.title', allow: MEMBERS },
		{ path: '/iuran/kuitansi', title: 'dues.receipts', allow: MEMBERS },
		{ path: '/treasurer', title: 'treasurer.title', allow: ['treasurer'] },
		{ path: '/treasurer/tunggakan?hal=2', title: 'dues.nav.behind', allow: ['treasurer'] },
		{ path: '/treasurer/tingkat', title: 'dues.nav.rates', allow: ['treasurer'] },
		{ path: '/treasurer/verifikasi', title: 'dues.nav.verify', allow: ['treasurer'] },
		{ path: '/treasurer/bayar', title: 'dues.nav.cash', allow: ['treasurer'] },
		{ path: '/treasurer/kas', title: 'dues.book.title', allow: ['treasurer'] },
		{ path: '/treasurer/pengaturan', title: 'dues.nav.settings', allow: ['treasurer'] },
		{ path: '/treasurer/peta', title: 'dues.map.title', allow: ['treasurer'] }
	];
	for (const page of PAGES) {
		it(`GET ${page.path}`, async () => {
			for (const who of WHO) {
				const response = await as(who).get(page.path);
				if (page.allow.includes(who)) {
					expect(response.status, who).toBe(200);
					expect(titleOf(await response.text()), who).toContain(translate('id', page.title));
				} else if (who === 'visitor') {
					expect(response.status, who).toBe(303);
				} else {
					expect(response.status, who).toBe(403);
				}
			}
		});
	}

	it('lets only the treasurer record, decide and export', async () => {
		for (const who of MEMBERS) {
			const allowed = who === 'treasurer';
			const cash = await action(who, '/treasurer/bayar?/cash', { houseId: 'x', amount: '' });
			expect(cash.status === 403 || cash.body.status === 403, `${who} cash`).toBe(!allowed);
			const approve = await action(who, '/treasurer/verifikasi?/approve', { proofId: 'x' });
			expect(approve.status === 403 || approve.body.status === 403, `${who} approve`).toBe(!allowed);
			const exported = await as(who).get('/treasurer/kas/ekspor/invoices');
			expect(exported.status, `${who} export`).toBe(allowed ? 200 : 403);
		}
	});
});

describe('bad input', () => {
	let houseId: string;
	let owed: number;
	beforeAll(async () => {
		const html = await (await as('treasurer').get('/treasurer')).text();
		houseId = /\/treasurer\/bayar\?house=([0-9a-f-]{36})/.exec(html)![1]!;
		const bayar = await (await as('treasurer').get(`/treasurer/bayar?house=${houseId}`)).text();
		const option = new RegExp(`<option value="${houseId}"[^>]*>[^<]*· Rp ([0-9.]+)`).exec(bayar)!;
		owed = Number(option[1]!.replace(/\./g, ''));
	});

	it('refuses negative, fractional and over-owed amounts with field errors, writing nothing', async () => {
		const before = await paymentsCsv();
		for (const amount of ['-5000', '1500,50', '1.500,5', 'lima ribu', '0']) {
			const r = await action('treasurer', '/treasurer/bayar?/cash', { houseId, amount });
			expect(r.body, amount).toMatchObject({ type: 'failure', status: 400 });
			expect(r.body.data, amount).toContain('dues.amount_invalid');
		}
		const over = await action('treasurer', '/treasurer/bayar?/cash', { houseId, amount: String(owed + 1000) });
		expect(over.body).toMatchObject({ type: 'failure', status: 400 });
		expect(over.body.data).toContain('dues.refused.over_owed');
		const missing = await action('treasurer', '/treasurer/bayar?/cash', { houseId: NO_ID, amount: '1000' });
		expect(missing.body).toMatchObject({ type: 'failure', status: 404 });
		expect(await paymentsCsv()).toEqual(before);
		// The message a person reads is Indonesian.
		expect(translate('id', 'dues.amount_invalid')).toMatch(/rupiah bulat/);
	});

	it('refuses a proof that is not an image, for a house that is not theirs, or sent twice', async () => {
		const iuran = await (await as('resident').get('/iuran')).text();
		const mine = /name="houseId" value="([0-9a-f-]{36})"/.exec(iuran)![1]!;
		const form = (house: string, file: Blob, name = 'bukti.png') => {
			const body = new FormData();
			for (const [k, v] of Object.entries({ houseId: house, method: 'transfer', amount: '75000', months: '1' })) body.set(k, v);
			body.set('proof', file, name);
			return body;
		};
		const text = await postMultipart(as('resident'), '/iuran?/proof', form(mine, new Blob(['bukan foto']), 'bukti.jpg'));
		expect(text.body).toMatchObject({ type: 'failure', status: 400 });
		expect(text.body.data).toContain('upload.unsupported');
		const bayar = await (await as('treasurer').get('/treasurer/bayar')).text();
		const other = [...bayar.matchAll(/<option value="([0-9a-f-]{36})"/g)].map((m) => m[1]!).find((id) => id !== mine)!;
		const image = new Blob([new Uint8Array(await photo(1))], { type: 'image/png' });
		const foreign = await postMultipart(as('resident'), '/iuran?/proof', form(other, image));
		expect(foreign.body).toMatchObject({ type: 'failure', status: 403 });
		expect(foreign.body.data).toContain('dues.refused.not_your_house');
		const first = await postMultipart(as('resident'), '/iuran?/proof', form(mine, image));
		expect(first.body).toMatchObject({ type: 'success' });
		const again = await postMultipart(as('resident'), '/iuran?/proof', form(mine, image, 'lagi.png'));
		expect(again.body).toMatchObject({ type: 'failure', status: 409 });
		expect(again.body.data).toContain('dues.refused.duplicate');
	});
});

describe('a proof from upload to receipt', () => {
	it('is approved once, gives a receipt the resident downloads and the public page verifies', async () => {
		const queue = await (await as('treasurer').get('/treasurer/verifikasi')).text();
		const proofId = /data-proof="([0-9a-f-]{36})"/.exec(queue)![1]!;
		const image = await as('treasurer').get(`/iuran/bukti/${proofId}`);
		expect(image.headers.get('content-type')).toBe('image/jpeg');
		const approved = await action('treasurer', '/treasurer/verifikasi?/approve', { proofId });
		expect(approved.body).toMatchObject({ type: 'success' });
		const twice = await action('treasurer', '/treasurer/verifikasi?/approve', { proofId });
		expect(twice.body).toMatchObject({ type: 'failure', status: 409 });
		const iuran = await (await as('resident').get('/iuran')).text();
		const paymentId = /\/iuran\/kuitansi\/([0-9a-f-]{36})/.exec(iuran)![1]!;
		const pdf = await as('resident').get(`/iuran/kuitansi/${paymentId}`);
		expect(pdf.status).toBe(200);
		expect(pdf.headers.get('content-type')).toBe('application/pdf');
		expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
		// Another resident's receipt is not theirs to read.
		expect((await as('rt_head').get(`/iuran/kuitansi/${paymentId}`)).status).toBe(404);
		// Shared by WhatsApp from the receipts page; the dues page carries no verification token.
		const receipts = await (await as('resident').get('/iuran/kuitansi')).text();
		const token = /wa\.me\/\?text=[^"]*%2Fv%2F([A-Za-z0-9_-]+)/.exec(receipts)![1]!;
		expect(iuran).not.toContain(token);
		const verify = await as('visitor').get(`/v/${token}`);
		expect(verify.status).toBe(200);
		expect(await verify.text()).toContain('data-verdict="genuine"');
	});

	it('exports payments as an XLSX that opens, with whole-rupiah numbers', async () => {
		const response = await as('treasurer').get('/treasurer/kas/ekspor/payments');
		const workbook = new ExcelJS.Workbook();
		await workbook.xlsx.load(await response.arrayBuffer());
		const sheet = workbook.worksheets[0]!;
		expect(sheet.getRow(1).getCell(1).value).toBe('Kuitansi');
		const amounts = sheet.getColumn(6).values.slice(2) as unknown[];
		expect(amounts.length).toBeGreaterThan(0);
		expect(amounts.every((a) => Number.isInteger(a) && (a as number) > 0)).toBe(true);
	});
});

describe("the treasurer's book forms: refusals write nothing", () => {
	const kas = async () => (await (await as('treasurer').get('/treasurer/kas')).text()).replaceAll('&#39;', "'");
	const settings = async () => (await as('treasurer').get('/treasurer/pengaturan')).text();

	it('voids an expense only with a reason, once, and only as the treasurer', async () => {
		const description = `Bensin genset ${Date.now()}`;
		const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date());
		const made = await action('treasurer', '/treasurer/kas?/expense', { category: 'pump', amount: '125.000', spentOn: today, description });
		expect(made.body).toMatchObject({ type: 'success' });
		const html = await kas();
		const row = html.slice(html.indexOf(description));
		const expenseId = /name="expenseId" value="([0-9a-f-]{36})"/.exec(row)![1]!;
		const noReason = await action('treasurer', '/treasurer/kas?/voidExpense', { expenseId, reason: '  ' });
		expect(noReason.body).toMatchObject({ type: 'failure', status: 400 });
		expect(noReason.body.data).toContain('dues.reason_required');
		expect((await action('treasurer', '/treasurer/kas?/voidExpense', { expenseId: NO_ID, reason: 'Nota ganda' })).body).toMatchObject({ type: 'failure', status: 404 });
		expect((await action('treasurer', '/treasurer/kas?/voidExpense', { expenseId: 'bukan-id', reason: 'Nota ganda' })).body.data).toContain('errors.invalid_choice');
		for (const who of ['resident', 'rw_admin'] as const) {
			const r = await action(who, '/treasurer/kas?/voidExpense', { expenseId, reason: 'Nota ganda' });
			expect(r.status === 403 || r.body.status === 403, who).toBe(true);
		}
		// Nothing was voided: the row still has its void form.
		expect(await kas()).toContain(`id="void-${expenseId}"`);
		expect((await action('treasurer', '/treasurer/kas?/voidExpense', { expenseId, reason: 'Nota ganda' })).body).toMatchObject({ type: 'success' });
		const after = await kas();
		expect(after).not.toContain(`id="void-${expenseId}"`);
		expect(after).toContain('Nota ganda');
		const again = await action('treasurer', '/treasurer/kas?/voidExpense', { expenseId, reason: 'lagi' });
		expect(again.body).toMatchObject({ type: 'failure', status: 404 });
		expect(again.body.data).toContain('dues.refused.not_found');
	});

	it('refuses an opening balance that is not whole rupiah of 0 or more, a bad or future month, and other roles', async () => {
		const before = await kas();
		const field = (html: string, id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`value="([^"]*)"[^>]*id="${id}"`).exec(html)?.[1];
		const opening = { amount: field(before, 'o-amount'), month: field(before, 'o-month') };
		expect(opening.amount).toBeDefined();
		for (const amount of ['-5000', '1500,50', 'sejuta', '']) {
			const r = await action('treasurer', '/treasurer/kas?/opening', { amount, month: '2026-01' });
			expect(r.body, amount).toMatchObject({ type: 'failure', status: 400 });
			expect(r.body.data, amount).toContain(amount === '' ? 'errors.required' : 'dues.opening.amount_invalid');
		}
		expect((await action('treasurer', '/treasurer/kas?/opening', { amount: '0', month: '2026-13' })).body.data).toContain('dues.month_invalid');
		const future = await action('treasurer', '/treasurer/kas?/opening', { amount: '1.000.000', month: '2099-01' });
		expect(future.body).toMatchObject({ type: 'failure', status: 400 });
		expect(future.body.data).toContain('dues.opening.month_future');
		for (const who of ['resident', 'rw_admin'] as const) {
			const r = await action(who, '/treasurer/kas?/opening', { amount: '1', month: '2026-01' });
			expect(r.status === 403 || r.body.status === 403, who).toBe(true);
		}
		const unchanged = await kas();
		expect({ amount: field(unchanged, 'o-amount'), month: field(unchanged, 'o-month') }).toEqual(opening);
		// The messages a treasurer reads are Indonesian.
		expect(translate('id', 'dues.opening.amount_invalid')).toMatch(/rupiah bulat/);
		expect((await action('treasurer', '/treasurer/kas?/opening', { amount: 'Rp 2.500.000', month: '2026-01' })).body).toMatchObject({ type: 'success' });
		expect(field(await kas(), 'o-amount')).toBe('2500000');
	});

	it('ends an exemption only on a month from its start on, once, and only as the treasurer', async () => {
		const page = await settings();
		const houseId = /<select id="e-house"[\s\S]*?<option value="([0-9a-f-]{36})"/.exec(page)![1]!;
		expect((await action('treasurer', '/treasurer/pengaturan?/exemption', { houseId, fromMonth: '2026-06', reason: 'Rumah kosong direnovasi' })).body).toMatchObject({ type: 'success' });
		const listed = await settings();
		const exemptionId = /name="exemptionId" value="([0-9a-f-]{36})"/.exec(listed)![1]!;
		const early = await action('treasurer', '/treasurer/pengaturan?/endExemption', { exemptionId, toMonth: '2026-05' });
		expect(early.body).toMatchObject({ type: 'failure', status: 400 });
		expect(early.body.data).toContain('dues.refused.exemption_before_start');
		expect((await action('treasurer', '/treasurer/pengaturan?/endExemption', { exemptionId, toMonth: 'Juni' })).body.data).toContain('dues.month_invalid');
		expect((await action('treasurer', '/treasurer/pengaturan?/endExemption', { exemptionId: NO_ID, toMonth: '2026-08' })).body).toMatchObject({ type: 'failure', status: 404 });
		for (const who of ['resident', 'rw_admin'] as const) {
			const r = await action(who, '/treasurer/pengaturan?/endExemption', { exemptionId, toMonth: '2026-08' });
			expect(r.status === 403 || r.body.status === 403, who).toBe(true);
		}
		// Still open-ended: its end form is there.
		expect(await settings()).toContain(`id="end-${exemptionId}"`);
		expect((await action('treasurer', '/treasurer/pengaturan?/endExemption', { exemptionId, toMonth: '2026-08' })).body).toMatchObject({ type: 'success' });
		expect(await settings()).not.toContain(`id="end-${exemptionId}"`);
		const again = await action('treasurer', '/treasurer/pengaturan?/endExemption', { exemptionId, toMonth: '2026-09' });
		expect(again.body).toMatchObject({ type: 'failure', status: 409 });
		expect(again.body.data).toContain('dues.refused.exemption_ended');
	});
});
