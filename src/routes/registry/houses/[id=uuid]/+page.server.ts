import { error } from '@sveltejs/kit';
import { houseSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { getHouse, updateHouse } from '$lib/server/registry/houses';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const house = await locals.db.run(getHouse, params.id);
	if (!house) error(404, { message: 'Not found', key: 'error.404' });
	return { house };
};

export const actions: Actions = {
	default: async ({ locals, params, request }) => {
		const id = params.id;
		const parsed = parseForm(houseSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const ok = await locals.db.run(updateHouse, id, parsed.data);
		return ok ? { done: 'house.saved' } : refuse(403, { message: 'errors.forbidden' });
	}
};
