import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/domain/roles';
import { Browserless, startApp, type RunningApp } from '../factories/app';

/** The demo users seeded on first start (issue 3, item 6). */
const DEMO: Record<Role, string> = {
	resident: '081200000001',
	rt_head: '081200000002',
	rw_admin: '081200000003',
	treasurer: '081200000004',
	security_officer: '081200000005'
};
type Who = Role | 'visitor';
const WHO: Who[] = ['visitor', 'resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'];

/**
 * The authorization matrix: every protected route and action × every role.
 * `allow` lists who gets in; everyone else is refused (403 for members, login
 * redirect or 401 for visitors).
 */
const MATRIX: { method: 'GET' | 'POST'; path: string; fields?: Record<string, string>; allow: Who[] }[] = [
	{ method: 'GET', path: '/', allow: WHO },
	{ method: 'GET', path: '/login', allow: ['visitor'] }, // members are sent on to their area
	{ method: 'GET', path: '/healthz', allow: WHO },
	{ method: 'GET', path: '/account', allow: ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] },
	{ method: 'GET', path: '/rt', allow: ['rt_head'] },
	{ method: 'POST', path: '/rt?/invite', fields: { role: 'resident' }, allow: ['rt_head'] },
	{ method: 'POST', path: '/rt?/revoke', fields: { id: 'x' }, allow: ['rt_head'] },
	{ method: 'GET', path: '/rt/surat', allow: ['rt_head'] },
	{ method: 'POST', path: '/rt/surat/00000000-0000-4000-8000-000000000000?/decide', fields: { decision: 'approve' }, allow: ['rt_head'] },
	{ method: 'GET', path: '/rw', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/members', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/members?/reset', fields: { id: 'x' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/invites', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/invites?/invite', fields: { role: 'nonsense' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/surat', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/devices/no-such-device', allow: ['rw_admin'] },
	{ method: 'GET', path: '/security/devices/no-such-device', allow: ['security_officer'] },
	{ method: 'POST', path: '/rw/surat/00000000-0000-4000-8000-000000000000?/decide', fields: { decision: 'approve' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/surat/laporan', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/layanan', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/layanan?/settings', fields: { number_format: '{seq}' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/treasurer', allow: ['treasurer'] },
	{ method: 'GET', path: '/security', allow: ['security_officer'] },
	{ method: 'GET', path: '/household', allow: ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] },
	{ method: 'GET', path: '/layanan', allow: WHO },
	{ method: 'GET', path: '/surat', allow: ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] },
	{ method: 'GET', path: '/surat/baru?layanan=SK-DOM', allow: ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] },
	{ method: 'GET', path: '/notifikasi', allow: ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] },
	{ method: 'GET', path: '/registry', allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry?q=siti&rt=1', allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/new', allow: ['rt_head', 'rw_admin'] },
	{ method: 'POST', path: '/registry/new', fields: { nik: '123' }, allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/import', allow: ['rt_head', 'rw_admin'] },
	{ method: 'POST', path: '/registry/import', fields: {}, allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/stats', allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/mutations', allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/corrections', allow: ['rt_head', 'rw_admin'] },
	{ method: 'GET', path: '/registry/access-log', allow: ['rw_admin'] },
	{ method: 'POST', path: '/registry/export', fields: { reason: '' }, allow: ['rt_head', 'rw_admin'] }
];

let app: RunningApp;
const clients = new Map<Who, Browserless>();

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

describe('authorization matrix', () => {
	for (const route of MATRIX) {
		for (const who of WHO) {
			const allowed = route.allow.includes(who);
			it(`${route.method} ${route.path} as ${who} → ${allowed ? 'allowed' : 'refused'}`, async () => {
				const client = clients.get(who)!;
				const response =
					route.method === 'GET' ? await client.get(route.path) : await client.post(route.path, route.fields ?? {});
				if (allowed) {
					// Allowed: the page renders, or the action validates the (deliberately bad) input.
					expect([200, 400, 404]).toContain(response.status);
				} else if (route.path === '/login') {
					expect(response.status).toBe(303);
				} else if (who === 'visitor') {
					expect(response.status).toBe(route.method === 'GET' ? 303 : 401);
					if (route.method === 'GET') expect(response.headers.get('location')).toMatch(/^\/login\?next=/);
				} else {
					expect(response.status).toBe(403);
					if (route.method === 'GET') expect(await response.text()).toContain('Anda tidak memiliki akses ke halaman ini.');
				}
			});
		}
	}
});
