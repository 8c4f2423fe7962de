import { describe, expect, it } from 'vitest';
import { canInvite, homeFor, requiredAction, requiredRoles } from './roles';

describe('requiredRoles', () => {
	it('guards each area by its own role', () => {
		expect(requiredRoles('/rw')).toEqual(['rw_admin']);
		expect(requiredRoles('/rw/members')).toEqual(['rw_admin']);
		expect(requiredRoles('/rt')).toEqual(['rt_head']);
		expect(requiredRoles('/treasurer/report')).toEqual(['treasurer']);
		expect(requiredRoles('/security')).toEqual(['security_officer', 'rw_admin', 'rt_head']);
		expect(requiredRoles('/account')).toEqual([]);
		expect([...requiredRoles('/registry/import')!].sort()).toEqual(['rt_head', 'rw_admin']);
		expect(requiredAction('/registry/import')).toBe('registry.read');
		expect(requiredAction('/account')).toBe('member');
		expect(requiredRoles('/household')).toEqual([]);
	});

	it('matches whole path segments only', () => {
		expect(requiredRoles('/rwanda')).toBeNull();
		expect(requiredRoles('/rtx')).toBeNull();
		expect(requiredRoles('/')).toBeNull();
		expect(requiredRoles('/login')).toBeNull();
	});
});

describe('homeFor and canInvite', () => {
	it('sends each role to its area', () => {
		expect(homeFor(['resident'])).toBe('/');
		expect(homeFor(['resident', 'rt_head'])).toBe('/rt');
		expect(homeFor(['rw_admin'])).toBe('/rw');
		expect(homeFor(['security_officer', 'resident'])).toBe('/security');
	});

	it('lets RT heads invite residents only', () => {
		expect(canInvite(['rt_head'], 'resident')).toBe(true);
		expect(canInvite(['rt_head'], 'treasurer')).toBe(false);
		expect(canInvite(['resident'], 'resident')).toBe(false);
		expect(canInvite(['rw_admin'], 'security_officer')).toBe(true);
	});
});
