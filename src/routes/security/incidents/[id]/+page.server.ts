import { error } from '@sveltejs/kit';
import { getIncident } from '$lib/server/panic/queries';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** One incident with every step (where the officers' notifications lead). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const incident = await getIncident(getRuntime().db, locals.db.claims, params.id);
	if (!incident) error(404, { message: 'Not found', key: 'error.404' });
	return { incident };
};
