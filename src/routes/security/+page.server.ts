import { listDevices } from '$lib/server/devices/devices';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { broker } = getRuntime();
	const [rts, devices] = await Promise.all([locals.db.run(listRtSummaries), locals.db.run(listDevices)]);
	return {
		broker: { up: broker.isUp(), clients: broker.stats().connectedClients },
		rts: rts.map(({ id, name, houses }) => ({ id, name, houses })),
		devices
	};
};
