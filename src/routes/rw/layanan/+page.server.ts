import { settingsSchema } from '$lib/schemas/letters';
import { parseForm } from '$lib/schemas/form';
import { listServices, readSettings, updateSettings } from '$lib/server/letters/catalogue';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** RW admin: the catalogue (active and inactive) and the letter settings (numbering, office hours). */
export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const rwId = locals.db.user.rwId!;
	const [services, settings] = await Promise.all([listServices(db, rwId, { includeInactive: true }), readSettings(db, rwId)]);
	return { services, settings };
};

export const actions: Actions = {
	settings: async ({ locals, request }) => {
		const parsed = parseForm(settingsSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values, message: 'errors.form' });
		await locals.db.run(updateSettings, parsed.data);
		return { done: 'letters.settings_saved' };
	}
};
