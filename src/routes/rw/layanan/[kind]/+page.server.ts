import { error } from '@sveltejs/kit';
import { getService } from '$lib/server/letters/catalogue';
import { saveServiceAction, serviceFormValues } from '$lib/web/letters/service-actions.server';
import { withUser } from '$lib/server/db';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const user = locals.db.user;
	const service = /^[A-Z][A-Z0-9-]{1,19}$/.test(params.kind)
		? await withUser(getRuntime().db, { sub: user.id, rw_id: user.rwId }, (tx) => getService(tx, user.rwId!, params.kind))
		: null;
	if (!service) error(404, { message: 'Not found', key: 'error.404' });
	return { service, values: serviceFormValues(service), saved: url.searchParams.has('saved') };
};

export const actions: Actions = { default: (event) => saveServiceAction(event, event.params.kind!) };
