import { may } from '$lib/domain/permissions';
import { pumpCommandSchema } from '$lib/schemas/pumps';
import { parseForm } from '$lib/schemas/form';
import { listPumps } from '$lib/server/pumps/list';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** The RW's pumps: state, last command, and whether their area is at Siaga 2 or worse. */
export const load: PageServerLoad = async ({ locals }) => ({
	pumps: await locals.db.run(listPumps),
	canCommand: may(locals.db.user, 'pumps.command'),
	back: locals.db.user.roles.includes('security_officer') ? '/security' : '/rw'
});

export const actions: Actions = {
	command: async ({ locals, request }) => {
		const parsed = parseForm(pumpCommandSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { form: 'pump', message: 'errors.invalid_choice' });
		const result = await getRuntime().pumps.command(locals.db, parsed.data.id, parsed.data.on);
		if (!result.ok) return refuse(result.reason === 'forbidden' ? 403 : 404, { form: 'pump', message: result.reason === 'forbidden' ? 'errors.forbidden' : 'errors.invalid_choice' });
		return { form: 'pump', done: parsed.data.on ? 'pumps.sent_on' : 'pumps.sent_off' };
	}
};
