import { redirect } from '@sveltejs/kit';
import { getResident } from '$lib/server/registry/residents';
import { EDITABLE_FIELDS, updateResident } from '$lib/server/registry/resident-edit';
import { getRuntime } from '$lib/server/runtime';
import { notFound } from '$lib/web/not-found.server';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const resident = await locals.db.run(getResident, params.id);
	if (!resident) notFound();
	return { resident };
};

export const actions: Actions = {
	default: async ({ locals, params, request }) => {
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const field of EDITABLE_FIELDS) {
			const value = form.get(field);
			if (typeof value === 'string') values[field] = value;
		}
		const { db, pii } = getRuntime();
		const result = await updateResident(db, pii, locals.db.user, params.id, values);
		if (!result) notFound();
		if (!result.ok) return refuse(400, { errors: result.errors, values: { ...values, nik: '' } });
		redirect(303, `/registry/${params.id}?updated=${result.changed.length}`);
	}
};
