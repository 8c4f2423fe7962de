import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { houseSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { getHouse, updateHouse } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

const uuid = z.uuid();

export const load: PageServerLoad = async ({ locals, params }) => {
	const house = uuid.safeParse(params.id).success ? await getHouse(getRuntime().db, locals.user!, params.id) : null;
	if (!house) error(404, { message: 'Not found', key: 'error.404' });
	return { house };
};

export const actions: Actions = {
	default: async ({ locals, params, request }) => {
		const parsed = parseForm(houseSchema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors });
		const ok = await updateHouse(getRuntime().db, locals.user!, params.id, parsed.data);
		return ok ? { saved: true } : fail(403, { errors: { form: 'errors.forbidden' } as Record<string, string> });
	}
};
