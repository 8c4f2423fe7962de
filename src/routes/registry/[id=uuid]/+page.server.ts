import { error } from '@sveltejs/kit';
import { todayWib } from '$lib/domain/time';
import { mutationSchema, mutationVoidSchema, revealSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { clientIp } from '$lib/web/http.server';
import { refuse, typedValues } from '$lib/web/action-result.server';
import { listMutations } from '$lib/server/registry/mutations';
import { voidMutation } from '$lib/server/registry/mutation-void';
import { checkDocument, recordMutationWithDocument } from '$lib/server/registry/mutation-documents';
import { findHouseholdByKk } from '$lib/server/registry/households';
import { getResident } from '$lib/server/registry/residents';
import { revealIdentity } from '$lib/server/registry/reveal';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const id = params.id;
	const resident = await locals.db.run(getResident, id);
	if (!resident) error(404, { message: 'Not found', key: 'error.404' });
	// The latest day the date field accepts: today in WIB, whatever the phone's clock zone.
	return { resident, mutations: await locals.db.run(listMutations, id), today: todayWib() };
};

export const actions: Actions = {
	reveal: async (event) => {
		const id = event.params.id;
		const parsed = parseForm(revealSchema, await event.request.formData());
		if (!parsed.ok) return refuse(400, { form: 'reveal', errors: parsed.errors, values: parsed.values });
		const { db, pii } = getRuntime();
		const result = await revealIdentity(db, pii, event.locals.db.user, {
			residentId: id,
			field: parsed.data.field,
			reason: parsed.data.reason,
			ip: clientIp(event)
		});
		if (!result.ok) return refuse(403, { form: 'reveal', message: 'errors.forbidden' });
		return { form: 'reveal', revealed: { field: parsed.data.field, value: result.value } };
	},
	mutation: async ({ locals, params, request }) => {
		const id = params.id;
		const form = await request.formData();
		const parsed = parseForm(mutationSchema, form);
		// The document is checked even when a field is wrong, so every problem shows at once.
		const document = await checkDocument(form.get('document'));
		const values = typedValues(form);
		const errors: Record<string, string> = parsed.ok ? {} : { ...parsed.errors };
		if (!document.ok) errors.document = document.problem;
		if (!parsed.ok || !document.ok) return refuse(400, { form: 'mutation', errors, values });
		const { db, pii, files } = getRuntime();
		const user = locals.db.user;
		let toHouseholdId: string | null = null;
		if (parsed.data.kind === 'changed_household') {
			toHouseholdId = parsed.data.toKk ? await findHouseholdByKk(db, pii, user, parsed.data.toKk) : null;
			if (!toHouseholdId) return refuse(400, { form: 'mutation', errors: { toKk: 'mutation.needs_household' }, values });
		}
		const input = { residentId: id, kind: parsed.data.kind, occurredOn: parsed.data.occurredOn, note: parsed.data.note, toHouseholdId };
		const result = await recordMutationWithDocument(db, files, user, input, document.file);
		if (!result.ok) {
			if (result.reason === 'refused') return refuse(400, { form: 'mutation', errors: { [result.field]: result.message }, values });
			return refuse(400, { form: 'mutation', message: `mutation.${result.reason}`, values });
		}
		return { form: 'mutation', done: 'mutation.saved' };
	},
	void: async ({ locals, params, request }) => {
		const form = await request.formData();
		const parsed = parseForm(mutationVoidSchema, form);
		const values = typedValues(form);
		if (!parsed.ok) return refuse(400, { form: 'void', errors: parsed.errors, values });
		const result = await locals.db.run(voidMutation, { residentId: params.id, ...parsed.data });
		if (!result.ok) return refuse(400, { form: 'void', errors: { reason: result.reason === 'refused' ? result.message : 'mutation.not_found' }, values });
		return { form: 'void', done: 'mutation.void_saved' };
	}
};
