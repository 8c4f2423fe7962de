import { listRtSummaries, rwOverview } from '$lib/server/tenancy/rw';
import { letterStats } from '$lib/server/letters/reports';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [overview, rts, letters] = await Promise.all([locals.db.run(rwOverview), locals.db.run(listRtSummaries), locals.db.run(letterStats)]);
	return { overview, rts, letters };
};
