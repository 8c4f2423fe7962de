import { followOptions, setFollows } from '$lib/server/complaints/follow';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** Following one's RT or the whole RW for new public complaints (docs/complaints.md "Following an area"). */
export const load: PageServerLoad = async ({ locals }) => ({ options: await locals.db.run(followOptions) });

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const areas = (await request.formData()).getAll('area').map(String);
		const result = await locals.db.run(setFollows, areas);
		if (!result.ok) return refuse(400, { errors: result.errors });
		return { done: 'follow.saved' };
	}
};
