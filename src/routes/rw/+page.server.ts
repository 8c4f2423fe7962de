import { listRtSummaries, rwOverview } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const [overview, rts] = await Promise.all([rwOverview(db, locals.user!), listRtSummaries(db, locals.user!)]);
	return { overview, rts };
};
