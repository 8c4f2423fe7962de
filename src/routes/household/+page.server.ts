import { fail } from '@sveltejs/kit';
import { correctionSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { requestCorrection } from '$lib/server/registry/corrections';
import { myHouseholds } from '$lib/server/registry/residents';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ households: await locals.db.run(myHouseholds) });

export const actions: Actions = {
	correction: async ({ locals, request }) => {
		const parsed = parseForm(correctionSchema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const ok = await locals.db.run(requestCorrection, parsed.data);
		return ok ? { sent: true } : fail(403, { errors: { form: 'errors.forbidden' } as Record<string, string> });
	}
};
