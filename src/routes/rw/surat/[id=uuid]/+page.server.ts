import { error } from '@sveltejs/kit';
import { cancelSchema } from '$lib/schemas/letters';
import { parseForm } from '$lib/schemas/form';
import { getRequest } from '$lib/server/letters/requests';
import { cancelLetter, markPickedUp } from '$lib/server/letters/issued';
import { mutationReferenceFor } from '$lib/server/letters/mutation-reference';
import { decideAction } from '$lib/web/letters/request-actions.server';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const request = await locals.db.run(getRequest, params.id);
	if (!request || request.status === 'draft') error(404, { message: 'Not found', key: 'error.404' });
	return { request, mutation: await locals.db.run(mutationReferenceFor, request) };
};

export const actions: Actions = {
	decide: (event) => decideAction(event, 'rw'),
	cancel: async ({ locals, params, request }) => {
		const parsed = parseForm(cancelSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { form: 'cancel', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(cancelLetter, params.id, parsed.data.reason);
		if (result !== 'ok') return refuse(result === 'not_found' ? 404 : 409, { message: `letters.errors.${result}` });
		return { done: 'letters.cancelled_done' };
	},
	pickedUp: async ({ locals, params }) => {
		const result = await locals.db.run(markPickedUp, params.id);
		if (result !== 'ok') return refuse(result === 'not_found' ? 404 : 409, { message: `letters.errors.${result}` });
		return { done: 'letters.picked_up_done' };
	}
};
