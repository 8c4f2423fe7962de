import { listRtSummaries, rwOverview } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import { letterStats } from '$lib/server/letters/reports';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const [overview, rts, letters] = await Promise.all([rwOverview(db, locals.user!), listRtSummaries(db, locals.user!), letterStats(db, locals.user!)]);
	return { overview, rts, letters };
};
