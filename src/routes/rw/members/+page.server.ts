import { idSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { issueResetCode } from '$lib/server/auth/password-reset';
import { listMembers } from '$lib/server/tenancy/rw';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	members: await locals.db.run(listMembers)
});

export const actions: Actions = {
	reset: async ({ locals, request }) => {
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { message: 'errors.invalid_choice' });
		const result = await locals.db.run(issueResetCode, parsed.data.id);
		if (!result.ok) return refuse(result.reason === 'forbidden' ? 403 : 404, { message: 'errors.forbidden' });
		const member = (await locals.db.run(listMembers)).find((m) => m.user_id === parsed.data.id);
		return { reset: { name: member?.name ?? '', code: result.code } };
	}
};
