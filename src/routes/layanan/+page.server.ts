import { error } from '@sveltejs/kit';
import { catalogueRw, listServices } from '$lib/server/letters/catalogue';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The public service catalogue (UU 25/2009 public service standard): anyone may read it. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const { db } = getRuntime();
	const rw = await catalogueRw(db, locals.user, url.searchParams.get('rw'));
	if (!rw) error(404, { message: 'Not found', key: 'error.404' });
	return { rw, services: await listServices(db, rw.id), loggedIn: locals.user !== null };
};
