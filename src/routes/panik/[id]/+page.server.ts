import { error } from '@sveltejs/kit';
import { getIncident } from '$lib/server/panic/queries';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** One of the resident's presses (where a notification of its steps leads). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const incident = await getIncident(getRuntime().db, locals.db.claims, params.id);
	if (!incident) error(404, { message: 'Not found', key: 'error.404' });
	return { incident };
};
