import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getHouseholdForEdit, HOUSEHOLD_FIELDS, updateHousehold } from '$lib/server/registry/household-edit';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

const uuid = z.uuid();
function notFound(): never {
	error(404, { message: 'Not found', key: 'error.404' });
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!uuid.safeParse(params.id).success) notFound();
	const household = await getHouseholdForEdit(getRuntime().db, locals.user!, params.id);
	if (!household) notFound();
	const back = url.searchParams.get('from');
	return { household, back: back && uuid.safeParse(back).success ? back : null };
};

export const actions: Actions = {
	default: async ({ locals, params, request, url }) => {
		if (!uuid.safeParse(params.id).success) notFound();
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const field of HOUSEHOLD_FIELDS) {
			const value = form.get(field);
			if (typeof value === 'string') values[field] = value;
		}
		const { db, pii } = getRuntime();
		const result = await updateHousehold(db, pii, locals.user!, params.id, values);
		if (!result) notFound();
		if (!result.ok) return fail(400, { errors: result.errors as Record<string, string>, values: { ...values, kk: '' } });
		const back = url.searchParams.get('from');
		if (back && uuid.safeParse(back).success) redirect(303, `/registry/${back}?household=${result.changed.length}`);
		return { saved: result.changed.length };
	}
};
