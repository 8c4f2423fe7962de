import { error, fail } from '@sveltejs/kit';
import { todayWib } from '$lib/domain/time';
import { mutationSchema, revealSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { clientIp } from '$lib/web/http.server';
import { listMutations } from '$lib/server/registry/mutations';
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
		if (!parsed.ok) return fail(400, { reveal: { errors: parsed.errors } });
		const { db, pii } = getRuntime();
		const result = await revealIdentity(db, pii, event.locals.user!, {
			residentId: id,
			field: parsed.data.field,
			reason: parsed.data.reason,
			ip: clientIp(event)
		});
		if (!result.ok) return fail(403, { reveal: { errors: { form: 'errors.forbidden' } as Record<string, string> } });
		return { revealed: { field: parsed.data.field, value: result.value } };
	},
	mutation: async ({ locals, params, request }) => {
		const id = params.id;
		const form = await request.formData();
		const parsed = parseForm(mutationSchema, form);
		// The document is checked even when a field is wrong, so every problem shows at once.
		const document = await checkDocument(form.get('document'));
		const values = stringValues(form);
		const errors: Record<string, string> = parsed.ok ? {} : { ...parsed.errors };
		if (!document.ok) errors.document = document.problem;
		if (!parsed.ok || !document.ok) return fail(400, { mutation: { errors, values } });
		const { db, pii, files } = getRuntime();
		const user = locals.user!;
		let toHouseholdId: string | null = null;
		if (parsed.data.kind === 'changed_household') {
			toHouseholdId = parsed.data.toKk ? await findHouseholdByKk(db, pii, user, parsed.data.toKk) : null;
			if (!toHouseholdId) return fail(400, { mutation: { errors: { toKk: 'mutation.needs_household' } as Record<string, string>, values } });
		}
		const input = { residentId: id, kind: parsed.data.kind, occurredOn: parsed.data.occurredOn, note: parsed.data.note, toHouseholdId };
		const result = await recordMutationWithDocument(db, files, user, input, document.file);
		if (!result.ok) {
			const refusal: Record<string, string> = result.reason === 'refused' ? { [result.field]: result.message } : { form: `mutation.${result.reason}` };
			return fail(400, { mutation: { errors: refusal, values } });
		}
		return { mutationSaved: true };
	}
};

/** The typed text fields, echoed back on a refusal so nothing is lost (a file cannot be). */
function stringValues(form: FormData): Record<string, string> {
	return Object.fromEntries([...form.entries()].filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
