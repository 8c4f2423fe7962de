import { describe, expect, it } from 'vitest';
import { ACTIONS, PERMISSIONS, may, mayAnywhere, rolesFor, rtsWhere, type Actor } from './permissions';
import { ROLES } from './roles';

const RT1 = '00000000-0000-4000-8000-000000000001';
const RT2 = '00000000-0000-4000-8000-000000000002';
const actor = (roles: Actor['roles'], headOfRtIds: string[] = []): Actor => ({ rwId: 'rw-a', roles, headOfRtIds });

describe('permissions', () => {
	it('gives an RT head their RT and the RW admin every RT', () => {
		expect(may(actor(['rt_head'], [RT1]), 'registry.write', { rtId: RT1 })).toBe(true);
		expect(may(actor(['rt_head'], [RT1]), 'registry.write', { rtId: RT2 })).toBe(false);
		expect(may(actor(['rt_head'], [RT1]), 'registry.write')).toBe(false);
		expect(may(actor(['rw_admin']), 'registry.write', { rtId: RT2 })).toBe(true);
		expect(may(actor(['rw_admin']), 'registry.write')).toBe(true);
	});

	it('refuses another RW and a member without one', () => {
		expect(may(actor(['rw_admin']), 'registry.read', { rwId: 'rw-b', rtId: RT1 })).toBe(false);
		expect(may({ rwId: null, roles: ['rw_admin'], headOfRtIds: [] }, 'registry.read')).toBe(false);
		expect(mayAnywhere({ rwId: null, roles: ['rw_admin'], headOfRtIds: [] }, 'registry.read')).toBe(false);
	});

	it('keeps the two letter stages apart', () => {
		expect(may(actor(['rw_admin']), 'letters.review_rt', { rtId: RT1 })).toBe(false);
		expect(may(actor(['rt_head'], [RT1]), 'letters.review_rw', { rtId: RT1 })).toBe(false);
		expect(may(actor(['rt_head', 'rw_admin'], [RT1]), 'letters.review_rt', { rtId: RT1 })).toBe(true);
	});

	it('says where: the whole RW, the RTs headed, or nowhere', () => {
		expect(rtsWhere(actor(['rw_admin']), 'registry.read')).toBe('rw');
		expect(rtsWhere(actor(['rt_head'], [RT1, RT2]), 'registry.read')).toEqual([RT1, RT2]);
		expect(rtsWhere(actor(['rt_head', 'rw_admin'], [RT1]), 'registry.read')).toBe('rw');
		expect(rtsWhere(actor(['treasurer']), 'registry.read')).toBeNull();
		expect(mayAnywhere(actor(['rt_head'], [RT1]), 'area.rt')).toBe(true);
		expect(mayAnywhere(actor(['resident']), 'area.rt')).toBe(false);
	});

	it('grants RT scope only to a role bound to the RTs it heads', () => {
		for (const action of ACTIONS) {
			for (const [role, scope] of Object.entries(PERMISSIONS[action])) if (scope === 'rt') expect(role).toBe('rt_head');
			expect(rolesFor(action).every((r) => (ROLES as readonly string[]).includes(r))).toBe(true);
		}
	});

	it('gives a resident nothing by role: what is theirs follows the row', () => {
		expect(ACTIONS.filter((a) => rolesFor(a).includes('resident'))).toEqual([]);
	});
});
