import { listPublicRws } from '$lib/server/tenancy/rw';
import { residentHome } from '$lib/server/tenancy/home';
import { getRuntime } from '$lib/server/runtime';
import { listNotifications } from '$lib/server/notifications';
import { residentLevel } from '$lib/server/devices/public-levels';
import type { PageServerLoad } from './$types';

/** Visitors get the public landing; members get their home. */
export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	if (!locals.user) return { kind: 'landing' as const, rws: await listPublicRws(db) };
	const [home, notifications, level] = await Promise.all([residentHome(db, locals.user), listNotifications(db, locals.user, 5), residentLevel(db, locals.user)]);
	return { kind: 'home' as const, home, level, notifications: notifications.filter((n) => !n.read_at), roles: locals.user.roles, name: locals.user.name, rwCode: locals.user.rwCode };
};
