import { residentFiltersSchema } from '$lib/schemas/registry';
import { searchResidents } from '$lib/server/registry/residents';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.user!;
	const filters = residentFiltersSchema.parse(Object.fromEntries(url.searchParams));
	const { rows, hasNext } = await searchResidents(getRuntime().db, user, filters);
	return { filters, rows, hasNext, isAdmin: user.roles.includes('rw_admin') };
};
