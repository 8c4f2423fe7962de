import { redirect } from '@sveltejs/kit';
import { registerResident } from '$lib/server/registry/mutations';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.db.user;
	const rts = await listRtSummaries(getRuntime().db, user);
	const mine = rts.filter((rt) => may(user, 'registry.write', { rtId: rt.id }));
	return { rts: mine.map((rt) => ({ number: rt.number, name: rt.name })) };
};

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const [k, v] of form.entries()) if (typeof v === 'string') values[k] = v;
		const { db, pii } = getRuntime();
		// The import's checks and write path, plus how the person arrived (born, moved in
		// or already living here), recorded in the same transaction.
		const result = await registerResident(db, pii, locals.db.user, values);
		if (!result.ok) {
			const errors: Record<string, string> = {};
			for (const e of result.errors) errors[e.field] ??= e.message;
			return refuse(400, { errors, values });
		}
		redirect(303, '/registry?saved=1');
	}
};
