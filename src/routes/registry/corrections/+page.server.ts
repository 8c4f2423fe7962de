import { z } from 'zod';
import { parseForm } from '$lib/schemas/form';
import { closeCorrection, listCorrections } from '$lib/server/registry/corrections';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ corrections: await locals.db.run(listCorrections) });

const closeSchema = z.object({ id: z.uuid('errors.invalid_choice'), status: z.enum(['resolved', 'rejected'], { error: 'errors.invalid_choice' }) });

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const parsed = parseForm(closeSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { message: 'errors.invalid_choice' });
		const ok = await locals.db.run(closeCorrection, parsed.data.id, parsed.data.status);
		return ok ? { closed: true } : refuse(404, { message: 'errors.invalid_choice' });
	}
};
