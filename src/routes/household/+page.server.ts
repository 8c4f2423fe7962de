import { correctionSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { requestCorrection } from '$lib/server/registry/corrections';
import { myHouseholds } from '$lib/server/registry/residents';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ households: await locals.db.run(myHouseholds) });

export const actions: Actions = {
	correction: async ({ locals, request }) => {
		const parsed = parseForm(correctionSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const ok = await locals.db.run(requestCorrection, parsed.data);
		return ok ? { done: 'household.correction_sent' } : refuse(403, { message: 'errors.forbidden' });
	}
};
