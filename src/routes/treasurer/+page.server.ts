import { z } from 'zod';
import { parseForm } from '$lib/schemas/form';
import { remindBehind } from '$lib/server/dues/reminders';
import { treasurerDashboard } from '$lib/server/dues/views';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	// One statement: this month's collection, the first houses behind, the queue and the cash (docs/dues.md, "Treasurer pages").
	return { dues: await locals.db.run(treasurerDashboard, new Date()) };
};

const remindSchema = z.object({
	minMonths: z
		.string({ error: 'errors.required' })
		.trim()
		.regex(/^\d{1,2}$/, 'dues.months_invalid')
		.transform(Number)
		.refine((n) => n >= 1 && n <= 24, 'dues.months_invalid')
});

export const actions: Actions = {
	remind: async ({ locals, request }) => {
		const parsed = parseForm(remindSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { form: 'remind', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(remindBehind, parsed.data.minMonths, new Date());
		if (!result.ok) return refuse(403, { form: 'remind', message: 'errors.forbidden', values: {} });
		return { form: 'remind', done: 'dues.reminded', houses: result.houses, skipped: result.skipped };
	}
};
