import { fail, redirect } from '@sveltejs/kit';
import { commitRows } from '$lib/server/registry/import';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.user!;
	const rts = await listRtSummaries(getRuntime().db, user);
	const mine = user.roles.includes('rw_admin') ? rts : rts.filter((rt) => user.headOfRtIds.includes(rt.id));
	return { rts: mine.map((rt) => ({ number: rt.number, name: rt.name })) };
};

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const [k, v] of form.entries()) if (typeof v === 'string') values[k] = v;
		const { db, pii } = getRuntime();
		// The single form goes through the same checks and write path as an import.
		const result = await commitRows(db, pii, locals.user!, [{ line: 1, values }]);
		if (!result.ok) {
			const errors: Record<string, string> = {};
			for (const e of result.errors) errors[e.field] ??= e.message;
			return fail(400, { errors, values });
		}
		redirect(303, '/registry?saved=1');
	}
};
