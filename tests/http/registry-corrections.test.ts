import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browserless, startApp, type RunningApp } from '../factories/app';

/** Correcting the register over HTTP: a household's form, and voiding a wrong mutation. */

let app: RunningApp;
let head: Browserless; // RT head of RT 001
let otherRt: string[]; // residents of RT 002, seen by the admin
let admin: Browserless;
beforeAll(async () => {
	app = await startApp();
	head = new Browserless(app.url);
	admin = new Browserless(app.url);
	await head.login('081200000002', 'rukun-demo');
	await admin.login('081200000003', 'rukun-demo');
	otherRt = await residents(admin, '/registry?rt=2');
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

async function residents(client: Browserless, path: string): Promise<string[]> {
	const html = await (await client.get(path)).text();
	return [...new Set([...html.matchAll(new RegExp(`href="/registry/(${UUID})"`, 'g'))].map((m) => m[1]!))];
}

describe('a household’s form', () => {
	it('is linked from a resident, refuses a bad KK in Indonesian keeping what was typed, and is not another RT’s', async () => {
		const [id] = await residents(head, '/registry?rt=1');
		const page = await (await head.get(`/registry/${id}`)).text();
		const household = new RegExp(`href="/registry/households/(${UUID})/edit\\?from=${id}"`).exec(page)?.[1];
		expect(household).toBeDefined();
		const form = await head.get(`/registry/households/${household}/edit`);
		expect(form.status).toBe(200);
		const refused = await head.post(`/registry/households/${household}/edit`, { kk: '12345', rt: '1', block: 'Z9', house_number: '99', address: 'Jl. Uji' });
		expect(refused.status).toBe(400);
		const html = await refused.text();
		expect(html).toContain('Nomor KK harus 16 angka.');
		expect(html).toMatch(/value="Jl\. Uji"/);
		expect(html).not.toContain('value="12345"');
		const otherPage = await (await admin.get(`/registry/${otherRt[0]}`)).text();
		const otherHousehold = new RegExp(`href="/registry/households/(${UUID})/edit`).exec(otherPage)![1];
		expect((await head.get(`/registry/households/${otherHousehold}/edit`)).status).toBe(404);
	});
});

describe('voiding a mutation', () => {
	it('asks for a reason, then shows the entry voided with it', async () => {
		const ids = await residents(head, '/registry?rt=1&age=adult');
		const id = ids.at(-1)!;
		const recorded = await head.post(`/registry/${id}?/mutation`, { kind: 'moved_out', occurredOn: '2026-10-01', note: 'uji' });
		expect(recorded.status).toBe(200);
		const page = await (await head.get(`/registry/${id}`)).text();
		const mutationId = new RegExp(`name="mutationId" value="(${UUID})"`).exec(page)?.[1];
		expect(mutationId).toBeDefined();
		const short = await head.post(`/registry/${id}?/void`, { mutationId: mutationId!, reason: 'x' });
		expect(short.status).toBe(400);
		expect(await short.text()).toContain('Tuliskan alasan');
		const voided = await head.post(`/registry/${id}?/void`, { mutationId: mutationId!, reason: 'Salah orang' });
		expect(voided.status).toBe(200);
		const after = await (await head.get(`/registry/${id}`)).text();
		expect(after).toContain('data-voided="true"');
		expect(after).toContain('Alasan: Salah orang');
		expect(after).not.toContain(`name="mutationId" value="${mutationId}"`);
	});
});
