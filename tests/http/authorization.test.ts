import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/domain/roles';
import { translate, type MessageKey } from '../../src/lib/i18n';
import { Browserless, DEMO_PHONES, startApp, type RunningApp } from '../factories/app';

/** The demo users seeded on first start. */
const DEMO = DEMO_PHONES;
type Who = Role | 'visitor';
const WHO: Who[] = ['visitor', 'resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'];
const MEMBERS: Who[] = ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'];
const REGISTRY: Who[] = ['rt_head', 'rw_admin'];
/** A device the RW admin registers before the matrix runs, so its pages exist. */
const DEVICE = 'matrix-pb-01';
const NO_REQUEST = '00000000-0000-4000-8000-000000000000';

/**
 * Who may do what, every protected route and action × every role. Allowed means the
 * feature works, not merely "not refused": a page answers 200 with its own title
 * (`title`, an i18n key of the `<title>`), an action answers its validation error
 * for the deliberately bad `fields` (SvelteKit's action JSON: failure 400), and an
 * endpoint its 400. A page that vanished (404) or an action that stopped existing
 * fails the row. Everyone else is refused: 403 for members, the login page for
 * visitors (401 for a POST).
 */
type Row = { path: string; allow: Who[] } & (
	| { method: 'GET'; title: MessageKey; json?: never }
	| { method: 'GET'; json: string; title?: never }
	| { method: 'POST'; fields: Record<string, string>; endpoint?: true }
);
const MATRIX: Row[] = [
	{ method: 'GET', path: '/', title: 'app.tagline', allow: WHO },
	{ method: 'GET', path: '/login', title: 'login.title', allow: ['visitor'] }, // members are sent on to their area
	{ method: 'GET', path: '/healthz', json: 'database', allow: WHO },
	{ method: 'GET', path: '/account', title: 'account.title', allow: MEMBERS },
	{ method: 'GET', path: '/rt', title: 'nav.rt', allow: ['rt_head'] },
	{ method: 'POST', path: '/rt?/invite', fields: { role: 'nonsense' }, allow: ['rt_head'] },
	{ method: 'POST', path: '/rt?/revoke', fields: { id: 'x' }, allow: ['rt_head'] },
	{ method: 'GET', path: '/rt/surat', title: 'letters.rt_queue', allow: ['rt_head'] },
	{ method: 'POST', path: `/rt/surat/${NO_REQUEST}?/decide`, fields: { decision: 'nonsense' }, allow: ['rt_head'] },
	{ method: 'GET', path: '/rw', title: 'rw.title', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/members', title: 'rw.members_title', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/members?/reset', fields: { id: 'x' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/invites', title: 'rw.invites_title', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/invites?/invite', fields: { role: 'nonsense' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/devices', title: 'devices.title', allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/devices?/create', fields: { id: '!' }, allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/devices?/rotate', fields: { id: '!' }, allow: ['rw_admin'] },
	{ method: 'POST', path: '/rw/devices?/disable', fields: { id: '!' }, allow: ['rw_admin'] },
	{ method: 'GET', path: `/rw/devices/${DEVICE}`, title: 'devices.title', allow: ['rw_admin'] },
	{ method: 'GET', path: `/security/devices/${DEVICE}`, title: 'devices.title', allow: ['security_officer', 'rw_admin', 'rt_head'] },
	{ method: 'GET', path: '/rw/surat', title: 'letters.rw_desk', allow: ['rw_admin'] },
	{ method: 'POST', path: `/rw/surat/${NO_REQUEST}?/decide`, fields: { decision: 'nonsense' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/surat/laporan', title: 'letters.report', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rw/layanan', title: 'letters.manage_catalogue', allow: ['rw_admin'] },
	// Complaints: statistics for staff (the RW admin the RW's, an RT head their RT's), following an area for any member.
	{ method: 'GET', path: '/rw/statistik', title: 'complaint_stats.title', allow: ['rw_admin'] },
	{ method: 'GET', path: '/rt/statistik', title: 'complaint_stats.title', allow: ['rt_head'] },
	{ method: 'GET', path: '/pengaduan/ikuti', title: 'follow.title', allow: MEMBERS },
	{ method: 'POST', path: '/pengaduan/ikuti', fields: { area: 'nonsense' }, allow: MEMBERS },
	{ method: 'POST', path: '/rw/layanan?/settings', fields: { number_format: '{seq}' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/treasurer', title: 'treasurer.title', allow: ['treasurer'] },
	{ method: 'GET', path: '/security', title: 'security.title', allow: ['security_officer', 'rw_admin', 'rt_head'] },
	{ method: 'GET', path: '/security/feed', json: 'alarms', allow: ['security_officer', 'rw_admin', 'rt_head'] },
	{ method: 'POST', path: '/security?/acknowledge', fields: { alarmId: NO_REQUEST, note: '' }, allow: ['security_officer', 'rw_admin'] },
	{ method: 'GET', path: '/security/pumps', title: 'pumps.title', allow: ['rw_admin', 'security_officer'] },
	// Panic incidents: the history and open list (RT heads read their RT's), officers' steps, a member's presses.
	{ method: 'GET', path: '/security/incidents', title: 'panic.history', allow: ['security_officer', 'rw_admin', 'rt_head'] },
	{ method: 'GET', path: '/security/incidents/open', json: 'incidents', allow: ['security_officer', 'rw_admin', 'rt_head'] },
	{ method: 'POST', path: `/security/incidents/${NO_REQUEST}/step`, fields: { move: 'x' }, endpoint: true, allow: ['security_officer', 'rw_admin'] },
	{ method: 'GET', path: '/panik', json: 'incident', allow: MEMBERS },
	{ method: 'POST', path: '/panik', fields: { key: 'x' }, endpoint: true, allow: MEMBERS },
	{ method: 'POST', path: '/security/pumps?/command', fields: { id: '!' }, allow: ['rw_admin', 'security_officer'] },
	{ method: 'POST', path: `/rw/devices/${DEVICE}?/settings`, fields: { siaga3Cm: 'x' }, allow: ['rw_admin'] },
	{ method: 'POST', path: `/rw/devices/${DEVICE}?/silence`, fields: { until: '' }, allow: ['rw_admin'] },
	{ method: 'GET', path: '/banjir', title: 'water.public_title', allow: WHO },
	{ method: 'GET', path: '/household', title: 'household.title', allow: MEMBERS },
	{ method: 'GET', path: '/layanan', title: 'letters.catalogue', allow: WHO },
	{ method: 'GET', path: '/surat', title: 'letters.my_requests', allow: MEMBERS },
	{ method: 'GET', path: '/surat/baru?layanan=SK-DOM', title: 'letters.new_request', allow: MEMBERS },
	{ method: 'GET', path: '/notifikasi', title: 'notify.title', allow: MEMBERS },
	{ method: 'GET', path: '/registry', title: 'registry.title', allow: REGISTRY },
	{ method: 'GET', path: '/registry?q=siti&rt=1', title: 'registry.title', allow: REGISTRY },
	{ method: 'GET', path: '/registry/new', title: 'new.title', allow: REGISTRY },
	{ method: 'POST', path: '/registry/new', fields: { nik: '123' }, allow: REGISTRY },
	{ method: 'GET', path: '/registry/import', title: 'import.title', allow: REGISTRY },
	{ method: 'POST', path: '/registry/import', fields: {}, allow: REGISTRY },
	{ method: 'GET', path: '/registry/stats', title: 'stats.title', allow: REGISTRY },
	{ method: 'GET', path: '/registry/mutations', title: 'registry.mutations', allow: REGISTRY },
	{ method: 'GET', path: '/registry/corrections', title: 'registry.corrections', allow: REGISTRY },
	{ method: 'GET', path: '/registry/access-log', title: 'registry.access_log', allow: ['rw_admin'] },
	{ method: 'POST', path: '/registry/export', fields: { reason: '' }, endpoint: true, allow: REGISTRY }
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
	const created = await clients.get('rw_admin')!.post('/rw/devices?/create', { id: DEVICE, kind: 'panic', name: 'Tombol matriks' }, ACTION);
	expect(await created.json()).toMatchObject({ type: 'success' });
});
afterAll(async () => {
	expect(await app?.stop()).toBe(0);
});

/** What `use:enhance` sends: the action answers JSON (`type`, `status`) instead of a page. */
const ACTION = { 'x-sveltekit-action': 'true', accept: 'application/json' };

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '(no title)';

async function expectAllowed(route: Row, response: Response) {
	if (route.method === 'POST' && route.endpoint) {
		expect(response.status).toBe(400);
	} else if (route.method === 'POST') {
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ type: 'failure', status: 400 });
	} else if (route.json) {
		expect(response.status).toBe(200);
		expect(await response.json()).toHaveProperty(route.json);
	} else {
		expect(response.status).toBe(200);
		expect(titleOf(await response.text())).toContain(translate('id', route.title!));
	}
}

describe('authorization matrix', () => {
	for (const route of MATRIX) {
		for (const who of WHO) {
			const allowed = route.allow.includes(who);
			it(`${route.method} ${route.path} as ${who} → ${allowed ? 'allowed' : 'refused'}`, async () => {
				const client = clients.get(who)!;
				const response = route.method === 'GET' ? await client.get(route.path) : await client.post(route.path, route.fields, route.endpoint ? {} : ACTION);
				if (allowed) await expectAllowed(route, response);
				else if (route.path === '/login') {
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
