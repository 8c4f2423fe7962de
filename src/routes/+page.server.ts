import { listPublicRws } from '$lib/server/tenancy/rw';
import { residentHome } from '$lib/server/tenancy/home';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** Visitors get the public landing; members get their home (issue 3, item 8). */
export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	if (!locals.user) return { kind: 'landing' as const, rws: await listPublicRws(db) };
	return { kind: 'home' as const, home: await residentHome(db, locals.user), roles: locals.user.roles, name: locals.user.name };
};
