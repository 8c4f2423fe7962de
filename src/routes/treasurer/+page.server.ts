import { houseCategoryCounts } from '$lib/server/registry/houses';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	counts: await locals.db.run(houseCategoryCounts)
});
