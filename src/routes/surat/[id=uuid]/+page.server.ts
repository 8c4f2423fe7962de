import { error } from '@sveltejs/kit';
import { bookingSchema, surveySchema } from '$lib/schemas/letters';
import { parseForm } from '$lib/schemas/form';
import { requesterActions, SKM_ELEMENTS } from '$lib/domain/letters';
import { getRequest, listSubjects, withdrawRequest } from '$lib/server/letters/requests';
import { bookPickup, openSlots, submitSurvey } from '$lib/server/letters/issued';
import { removeAttachmentAction, saveRequestAction } from '$lib/web/letters/request-actions.server';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** A request as its requester sees it: timeline, fixes, download, pick-up, survey. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const user = locals.db.user;
	const { db } = getRuntime();
	const request = await getRequest(db, user, params.id);
	if (!request) error(404, { message: 'Not found', key: 'error.404' });
	const mine = request.requester_id === user.id;
	// Only the requester acts on a request; others (an RT head opening it) only read it.
	const may = mine ? requesterActions(request) : { edit: false, withdraw: false, book: false, survey: false };
	return {
		request,
		may,
		subjects: may.edit ? await listSubjects(db, user) : [],
		slots: may.book ? await openSlots(db, user) : [],
		flash: url.searchParams.has('sent') ? 'letters.sent' : url.searchParams.has('saved') ? 'letters.saved' : null
	};
};

export const actions: Actions = {
	save: (event) => saveRequestAction(event, event.params.id),
	remove: (event) => removeAttachmentAction(event, event.params.id),
	withdraw: async ({ locals, params }) => {
		const result = await locals.db.run(withdrawRequest, params.id);
		if (result !== 'ok') return refuse(result === 'not_found' ? 404 : 409, { message: `letters.errors.${result}` });
		return { done: 'letters.withdrawn' };
	},
	book: async ({ locals, params, request }) => {
		const parsed = parseForm(bookingSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { message: 'letters.errors.slot' });
		const result = await locals.db.run(bookPickup, params.id, new Date(parsed.data.slot));
		if (result !== 'ok') return refuse(result === 'not_found' ? 404 : 409, { message: `letters.errors.${result}` });
		return { done: 'letters.booked' };
	},
	survey: async ({ locals, params, request }) => {
		const parsed = parseForm(surveySchema, await request.formData());
		if (!parsed.ok) return refuse(400, { form: 'survey', errors: parsed.errors, values: parsed.values, message: 'errors.form' });
		const scores = SKM_ELEMENTS.map((e) => parsed.data[e]);
		const result = await locals.db.run(submitSurvey, params.id, scores, parsed.data.comment);
		if (result !== 'ok') return refuse(result === 'not_found' ? 404 : 409, { message: `letters.errors.survey_${result}` });
		return { done: 'letters.survey_thanks' };
	}
};
