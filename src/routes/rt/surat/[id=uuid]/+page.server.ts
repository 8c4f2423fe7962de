import { error } from '@sveltejs/kit';
import { getRequest } from '$lib/server/letters/requests';
import { mutationReferenceFor } from '$lib/server/letters/mutation-reference';
import { decideAction } from '$lib/web/letters/request-actions.server';
import type { Actions, PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

export const load: PageServerLoad = async ({ locals, params }) => {
	const request = await locals.db.run(getRequest, params.id);
	// RLS hides other RTs' requests; drafts are the requester's alone.
	if (!request || request.status === 'draft' || !may(locals.db.user, 'letters.review_rt', { rtId: request.rt_id })) error(404, { message: 'Not found', key: 'error.404' });
	return { request, mutation: await locals.db.run(mutationReferenceFor, request) };
};

export const actions: Actions = { decide: (event) => decideAction(event, 'rt') };
