import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { db, broker } = getRuntime();
	return {
		broker: { up: broker.isUp(), clients: broker.stats().connectedClients },
		rts: (await listRtSummaries(db, locals.user!)).map(({ id, name, houses }) => ({ id, name, houses }))
	};
};
