import { error } from '@sveltejs/kit';
import { catalogueRw, getPublicService } from '$lib/server/letters/catalogue';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** One service's public standard: requirements, procedure, legal basis, time, fee, product, complaints. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const { db } = getRuntime();
	const rw = await catalogueRw(db, locals.user, url.searchParams.get('rw'));
	const service = rw && /^[A-Z][A-Z0-9-]{1,19}$/.test(params.kind) ? await getPublicService(db, rw.id, params.kind) : null;
	if (!rw || !service || !service.active) error(404, { message: 'Not found', key: 'error.404' });
	return { rw, service, loggedIn: locals.user !== null };
};
