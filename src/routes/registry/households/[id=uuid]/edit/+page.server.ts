import { redirect } from '@sveltejs/kit';
import { isUuid } from '$lib/domain/ids';
import { getHouseholdForEdit, HOUSEHOLD_FIELDS, updateHousehold } from '$lib/server/registry/household-edit';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import { orNotFound } from '$lib/web/not-found.server';
import type { Actions, PageServerLoad } from './$types';

/** The resident page to go back to (`?from=<resident id>`), when it names one. */
function backTo(url: URL): string | null {
	const back = url.searchParams.get('from');
	return back && isUuid(back) ? back : null;
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const household = orNotFound(await locals.db.run(getHouseholdForEdit, params.id));
	return { household, back: backTo(url) };
};

export const actions: Actions = {
	default: async ({ locals, params, request, url }) => {
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const field of HOUSEHOLD_FIELDS) {
			const value = form.get(field);
			if (typeof value === 'string') values[field] = value;
		}
		const result = orNotFound(await updateHousehold(getRuntime().db, getRuntime().pii, locals.db.user, params.id, values));
		// The KK number is never echoed back: it is typed again or left as stored.
		if (!result.ok) return refuse(400, { errors: result.errors, values: { ...values, kk: '' } });
		const back = backTo(url);
		if (back) redirect(303, `/registry/${back}?household=${result.changed.length}`);
		return { done: result.changed.length > 0 ? 'household_edit.saved' : 'household_edit.unchanged' };
	}
};
