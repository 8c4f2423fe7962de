import { listDevices } from '$lib/server/devices/devices';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { db, broker } = getRuntime();
	const [rts, devices] = await Promise.all([listRtSummaries(db, locals.user!), listDevices(db, locals.user!)]);
	return {
		broker: { up: broker.isUp(), clients: broker.stats().connectedClients },
		rts: rts.map(({ id, name, houses }) => ({ id, name, houses })),
		devices
	};
};
