/**
 * Who may do what, stated once: for each action, the roles that may do it and how far
 * each reaches, the whole RW (`rw`) or only the RTs the member heads (`rt`). Guards and
 * services ask `may`; the database holds the same table (`app.permission`, migration
 * 20261207000100_permissions.sql) and its Row Level Security asks `app.may` and its
 * set forms, and tests/integration/permissions.test.ts checks that both answer alike for
 * every role and action. The database is the last guard; these checks give a clear
 * answer (a 403, a field error) before a query would be refused.
 *
 * Rules that follow a row rather than a role stay with the row: a requester's own
 * letter requests, a resident's own household, a member's own notifications.
 */
import type { Role } from './roles';

export type Scope = 'rw' | 'rt';

export const PERMISSIONS = {
	// Role areas (pages); the guard in hooks.server.ts lets a member in who may do it anywhere.
	'area.rt': { rt_head: 'rt' },
	'area.rw': { rw_admin: 'rw' },
	'area.treasurer': { treasurer: 'rw' },
	// The security post; RT heads only read it (alarms.read, not alarms.acknowledge nor pumps.command).
	'area.security': { security_officer: 'rw', rw_admin: 'rw', rt_head: 'rw' },
	// The RW itself and its RTs (name, numbering).
	'rw.manage': { rw_admin: 'rw' },
	// Members: who holds which role, invites, password-reset codes.
	'members.read': { rw_admin: 'rw', rt_head: 'rt' },
	'members.manage': { rw_admin: 'rw' },
	'invites.any_role': { rw_admin: 'rw' },
	'invites.resident': { rw_admin: 'rw', rt_head: 'rt' },
	// The audit and NIK reveal logs (UU 27/2022 accountability).
	'audit.read': { rw_admin: 'rw' },
	// Houses: the officers who need the map of the RW.
	'houses.read': { rw_admin: 'rw', treasurer: 'rw', security_officer: 'rw', rt_head: 'rt' },
	// The population registry (households, residents, mutations, correction requests).
	'registry.read': { rw_admin: 'rw', rt_head: 'rt' },
	'registry.write': { rw_admin: 'rw', rt_head: 'rt' },
	'registry.reveal': { rw_admin: 'rw', rt_head: 'rt' },
	// Devices, their readings and panic presses.
	'devices.read': { rw_admin: 'rw', security_officer: 'rw', rt_head: 'rw' },
	'devices.manage': { rw_admin: 'rw' },
	'panic.read': { rw_admin: 'rw', security_officer: 'rw' },
	// Alarms (flood levels, rate of rise, offline sensors…): who sees and who acknowledges them;
	// who switches pumps. RT heads see the RW's alarms (floods cross RT lines) but do not act.
	'alarms.read': { rw_admin: 'rw', security_officer: 'rw', rt_head: 'rw' },
	'alarms.acknowledge': { rw_admin: 'rw', security_officer: 'rw' },
	'pumps.command': { rw_admin: 'rw', security_officer: 'rw' },
	// Panic incidents (docs/panic.md): officers and the RW admin see and handle the RW's,
	// RT heads read their RT's; the RW admin reads the false-alarm counts and monthly report.
	// A resident sees their own presses by the row rule (reporter), not by a role.
	'incidents.read': { rw_admin: 'rw', security_officer: 'rw', rt_head: 'rt' },
	'incidents.handle': { rw_admin: 'rw', security_officer: 'rw' },
	'incidents.report': { rw_admin: 'rw' },
	// Letters: the catalogue and settings; the RT head's decision; the RW's decision,
	// numbering, cancelling and pick-up, and the survey results.
	'letters.configure': { rw_admin: 'rw' },
	'letters.review_rt': { rt_head: 'rt' },
	'letters.review_rw': { rw_admin: 'rw' },
	// Announcements (push area): the RW admin to the whole RW, an RT head to their RT.
	'announcements.post': { rw_admin: 'rw', rt_head: 'rt' },
	// Dues (iuran): the treasurer keeps the money; officers read it (RT heads their RT's).
	// A resident's own invoices, payments and proofs follow the house, and the monthly
	// report is every member's of the RW: rows, not roles (docs/dues.md).
	'dues.manage': { treasurer: 'rw' },
	'dues.read': { treasurer: 'rw', rw_admin: 'rw', rt_head: 'rt' },
	// Complaints (pengaduan): triage and status of the reports of one's reach; the RW's categories.
	'complaints.manage': { rw_admin: 'rw', rt_head: 'rt' },
	'complaints.configure': { rw_admin: 'rw' }
} as const satisfies Record<string, Partial<Record<Role, Scope>>>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

/** What `may` needs to know of a member: their session's RW, roles there and RTs headed. */
export interface Actor {
	rwId: string | null;
	roles: readonly Role[];
	headOfRtIds: readonly string[];
}

/** Where the thing acted on is: its RW (default: the actor's) and RT (null: none). */
export interface Place {
	rwId?: string | null;
	rtId?: string | null;
}

const grants = (action: Action): Partial<Record<Role, Scope>> => PERMISSIONS[action];

/** Whether the actor may do `action` on a thing in `place` (in their RW, in that RT). */
export function may(actor: Actor, action: Action, place: Place = {}): boolean {
	if (!actor.rwId || (place.rwId !== undefined && place.rwId !== actor.rwId)) return false;
	const rtId = place.rtId ?? null;
	return actor.roles.some((role) => {
		const scope = grants(action)[role];
		return scope === 'rw' || (scope === 'rt' && rtId !== null && actor.headOfRtIds.includes(rtId));
	});
}

/** Whether the actor may do `action` somewhere in their RW (a page that then lists what they may reach). */
export function mayAnywhere(actor: Actor, action: Action): boolean {
	return rtsWhere(actor, action) !== null;
}

/**
 * Where the actor may do `action`: `'rw'` (the whole RW), the RTs they head, or null
 * (nowhere). Queries filter by it: `rt_id = any($rts)` unless the whole RW.
 */
export function rtsWhere(actor: Actor, action: Action): 'rw' | string[] | null {
	if (!actor.rwId) return null;
	const scopes = actor.roles.map((role) => grants(action)[role]);
	if (scopes.includes('rw')) return 'rw';
	if (scopes.includes('rt') && actor.headOfRtIds.length > 0) return [...actor.headOfRtIds];
	return null;
}

/** The roles that may do `action` (at any scope). */
export function rolesFor(action: Action): Role[] {
	return Object.keys(grants(action)) as Role[];
}
