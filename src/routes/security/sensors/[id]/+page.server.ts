import { sensorPage } from '$lib/server/alarms/sensor';
import { getRuntime } from '$lib/server/runtime';
import { orNotFound } from '$lib/web/not-found.server';
import type { PageServerLoad } from './$types';

/** A sensor's level now and its history for the security post, with a broker token for the live hour. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const { pii, broker } = getRuntime();
	return orNotFound(await locals.db.run(sensorPage, params.id, pii.tokens, broker.wsPath));
};
