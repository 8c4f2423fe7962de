import { error } from '@sveltejs/kit';
import { getService } from '$lib/server/letters/catalogue';
import { listSubjects } from '$lib/server/letters/requests';
import { saveRequestAction } from '$lib/web/letters/request-actions.server';
import { withUser } from '$lib/server/db';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

/** A new request for one online service, pre-filled from the household registry. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.db.user;
	const { db } = getRuntime();
	const kind = url.searchParams.get('layanan') ?? '';
	const service = /^[A-Z][A-Z0-9-]{1,19}$/.test(kind) ? await withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) => getService(tx, user.rwId!, kind)) : null;
	if (!service || !service.active || service.mode !== 'online') error(404, { message: 'Not found', key: 'error.404' });
	return { service, subjects: await listSubjects(db, user) };
};

export const actions: Actions = { default: (event) => saveRequestAction(event, null) };
