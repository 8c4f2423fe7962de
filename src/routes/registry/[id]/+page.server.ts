import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { todayWib } from '$lib/domain/time';
import { mutationSchema, mutationVoidSchema, revealSchema } from '$lib/schemas/registry';
import { parseForm } from '$lib/schemas/form';
import { blindIndex } from '$lib/server/crypto/pii';
import { clientIp } from '$lib/server/http';
import { listMutations } from '$lib/server/registry/mutations';
import { voidMutation } from '$lib/server/registry/mutation-void';
import { checkDocument, recordMutationWithDocument } from '$lib/server/registry/mutation-documents';
import { findHouseholdByKk } from '$lib/server/registry/households';
import { getResident } from '$lib/server/registry/residents';
import { revealIdentity } from '$lib/server/registry/reveal';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

const uuid = z.uuid();

/** The resident id of the URL; a malformed one is a page that does not exist (not a database error). */
function residentId(params: { id: string }): string {
	if (!uuid.safeParse(params.id).success) error(404, { message: 'Not found', key: 'error.404' });
	return params.id;
}

export const load: PageServerLoad = async ({ locals, params }) => {
	const id = residentId(params);
	const { db } = getRuntime();
	const resident = await getResident(db, locals.user!, id);
	if (!resident) error(404, { message: 'Not found', key: 'error.404' });
	// The latest day the date field accepts: today in WIB, whatever the phone's clock zone.
	return { resident, mutations: await listMutations(db, locals.user!, id), today: todayWib() };
};

export const actions: Actions = {
	reveal: async (event) => {
		const id = residentId(event.params);
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
		const id = residentId(params);
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
			toHouseholdId = parsed.data.toKk ? await findHouseholdByKk(db, user, blindIndex(pii, 'kk', parsed.data.toKk)) : null;
			if (!toHouseholdId) return fail(400, { mutation: { errors: { toKk: 'mutation.needs_household' } as Record<string, string>, values } });
		}
		const input = { residentId: id, kind: parsed.data.kind, occurredOn: parsed.data.occurredOn, note: parsed.data.note, toHouseholdId };
		const result = await recordMutationWithDocument(db, files, user, input, document.file);
		if (!result.ok) {
			const refusal: Record<string, string> = result.reason === 'refused' ? { [result.field]: result.message } : { form: `mutation.${result.reason}` };
			return fail(400, { mutation: { errors: refusal, values } });
		}
		return { mutationSaved: true };
	},
	void: async ({ locals, params, request }) => {
		const id = residentId(params);
		const form = await request.formData();
		const parsed = parseForm(mutationVoidSchema, form);
		const values = stringValues(form);
		if (!parsed.ok) return fail(400, { voiding: { errors: parsed.errors, values } });
		const result = await voidMutation(getRuntime().db, locals.user!, { residentId: id, ...parsed.data });
		if (!result.ok) {
			const errors: Record<string, string> = { reason: result.reason === 'refused' ? result.message : 'mutation.not_found' };
			return fail(400, { voiding: { errors, values } });
		}
		return { mutationVoided: true };
	}
};

/** The typed text fields, echoed back on a refusal so nothing is lost (a file cannot be). */
function stringValues(form: FormData): Record<string, string> {
	return Object.fromEntries([...form.entries()].filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
