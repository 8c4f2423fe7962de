import { error } from '@sveltejs/kit';
import { getRequest } from '$lib/server/letters/requests';
import { mutationReferenceFor } from '$lib/server/letters/mutation-reference';
import { decideAction } from '$lib/web/letters/request-actions.server';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

export const load: PageServerLoad = async ({ locals, params }) => {
	const { db } = getRuntime();
	const request = await getRequest(db, locals.user!, params.id);
	// RLS hides other RTs' requests; drafts are the requester's alone.
	if (!request || request.status === 'draft' || !may(locals.user!, 'letters.review_rt', { rtId: request.rt_id })) error(404, { message: 'Not found', key: 'error.404' });
	return { request, mutation: await mutationReferenceFor(db, locals.user!, request) };
};

export const actions: Actions = { decide: (event) => decideAction(event, 'rt') };
