import { houseCategoryCounts } from '$lib/server/registry/houses';
import { treasurerDashboard } from '$lib/server/dues/views';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [counts, dues] = await Promise.all([locals.db.run(houseCategoryCounts), locals.db.run(treasurerDashboard, new Date())]);
	return { counts, dues };
};
