/** The roles of DOMAIN.md, "Who". A user may hold several, per RW. */
export const ROLES = ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
	return (ROLES as readonly string[]).includes(value);
}

/** Role areas: the path prefix and the roles that may enter it (issue 3, item 5). */
export const AREAS = [
	{ prefix: '/rt', roles: ['rt_head'] },
	{ prefix: '/rw', roles: ['rw_admin'] },
	{ prefix: '/treasurer', roles: ['treasurer'] },
	{ prefix: '/security', roles: ['security_officer'] },
	// The population registry: the RW admin for the whole RW, an RT head for their RT (RLS).
	{ prefix: '/registry', roles: ['rt_head', 'rw_admin'] }
] as const satisfies readonly { prefix: string; roles: readonly Role[] }[];

/** Pages that need a login but no particular role. */
export const MEMBER_PREFIXES = ['/account', '/household', '/surat', '/notifikasi'] as const;

const startsWithSegment = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The roles required for a path: null = public, [] = any logged-in member. */
export function requiredRoles(path: string): readonly Role[] | null {
	for (const area of AREAS) if (startsWithSegment(path, area.prefix)) return area.roles;
	for (const prefix of MEMBER_PREFIXES) if (startsWithSegment(path, prefix)) return [];
	return null;
}

/** Where a user lands after login: the area of their most specific role. */
export function homeFor(roles: readonly Role[]): string {
	if (roles.includes('security_officer')) return '/security';
	if (roles.includes('rw_admin')) return '/rw';
	if (roles.includes('treasurer')) return '/treasurer';
	if (roles.includes('rt_head')) return '/rt';
	return '/';
}

/** Which roles may invite which (issue 3: RT head invites residents; RW admin any role). */
export function canInvite(inviterRoles: readonly Role[], role: Role): boolean {
	if (inviterRoles.includes('rw_admin')) return true;
	return role === 'resident' && inviterRoles.includes('rt_head');
}
