import { collectionRates } from '$lib/server/dues/views';
import { houseCategoryCounts } from '$lib/server/registry/houses';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [dues, counts] = await Promise.all([locals.db.run(collectionRates, new Date()), locals.db.run(houseCategoryCounts)]);
	return { dues, counts };
};
