import { houseCategoryCounts } from '$lib/server/registry/houses';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	counts: await houseCategoryCounts(getRuntime().db, locals.user!)
});
