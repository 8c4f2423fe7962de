import { rolesFor, type Action } from './permissions';

/** The roles of docs/domain.md, "People and roles". A user may hold several, per RW. */
export const ROLES = ['resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
	return (ROLES as readonly string[]).includes(value);
}

/**
 * Role areas: the path prefix and what a member must be allowed to do somewhere in
 * their RW to enter it (permissions.ts).
 */
export const AREAS = [
	// Pumps: the security post and the RW admin switch them (before /security, which is the post's alone).
	{ prefix: '/security/pumps', action: 'pumps.command' },
	// Panic incidents' history: officers and the RW admin the RW's, RT heads their RT's (RLS).
	{ prefix: '/security/incidents', action: 'incidents.read' },
	{ prefix: '/rt', action: 'area.rt' },
	{ prefix: '/rw', action: 'area.rw' },
	{ prefix: '/treasurer', action: 'area.treasurer' },
	{ prefix: '/security', action: 'area.security' },
	// The population registry: the RW admin for the whole RW, an RT head for their RT (RLS).
	{ prefix: '/registry', action: 'registry.read' },
	// Complaint categories: the RW admin's (before the triage area, which RT heads enter too).
	{ prefix: '/pengaduan/kelola/kategori', action: 'complaints.configure' },
	// Complaint triage: RW admin for the RW, RT head for their RT (RLS).
	{ prefix: '/pengaduan/kelola', action: 'complaints.manage' }
] as const satisfies readonly { prefix: string; action: Action }[];

/** Pages that need a login but no particular role. */
export const MEMBER_PREFIXES = ['/account', '/household', '/surat', '/notifikasi', '/pengumuman', '/panik', /* dues */ '/iuran', /* complaints */ '/pengaduan'] as const;

const startsWithSegment = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** What a path requires: null = public, 'member' = any logged-in member, else an action. */
export function requiredAction(path: string): Action | 'member' | null {
	for (const area of AREAS) if (startsWithSegment(path, area.prefix)) return area.action;
	for (const prefix of MEMBER_PREFIXES) if (startsWithSegment(path, prefix)) return 'member';
	return null;
}

/** The roles required for a path: null = public, [] = any logged-in member. */
export function requiredRoles(path: string): readonly Role[] | null {
	const action = requiredAction(path);
	return action === null ? null : action === 'member' ? [] : rolesFor(action);
}

/** Where a user lands after login: the area of their most specific role. */
export function homeFor(roles: readonly Role[]): string {
	if (roles.includes('security_officer')) return '/security';
	if (roles.includes('rw_admin')) return '/rw';
	if (roles.includes('treasurer')) return '/treasurer';
	if (roles.includes('rt_head')) return '/rt';
	return '/';
}

/** The action inviting a member with `role` needs: an RT head invites residents; the RW admin any role. */
export const inviteAction = (role: Role): Action => (role === 'resident' ? 'invites.resident' : 'invites.any_role');

/** Whether some role of the inviter may invite `role` (somewhere in their RW). */
export function canInvite(inviterRoles: readonly Role[], role: Role): boolean {
	return inviterRoles.some((r) => rolesFor(inviteAction(role)).includes(r));
}
