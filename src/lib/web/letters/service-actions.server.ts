import { redirect, type RequestEvent } from '@sveltejs/kit';
import { serviceSchema, fieldsToText } from '$lib/schemas/letters';
import { parseForm } from '$lib/schemas/form';
import { getRuntime } from '$lib/server/runtime';
import { createService, updateService, type LetterService } from '$lib/server/letters/catalogue';
import { refuse } from '$lib/web/action-result.server';

/** The editor's form values for a stored service. */
export function serviceFormValues(s: LetterService): Record<string, string> {
	return {
		kind: s.kind,
		name: s.name,
		mode: s.mode,
		active: s.active ? 'on' : '',
		requirements: s.requirements.join('\n'),
		procedure: s.procedure.join('\n'),
		legal_basis: s.legal_basis.join('\n'),
		days: s.days === null ? '' : String(s.days),
		fee_rp: String(s.fee_rp),
		product: s.product,
		complaint_channel: s.complaint_channel,
		in_person_reason: s.in_person_reason,
		external_url: s.external_url ?? '',
		external_label: s.external_label,
		fields: fieldsToText(s.fields),
		template: s.template
	};
}

/** Saves the editor (new service when `kind` is null: the kind comes from the form). */
export async function saveServiceAction(event: RequestEvent, kind: string | null) {
	const form = await event.request.formData();
	const parsed = parseForm(serviceSchema, form);
	const newKind = String(form.get('kind') ?? '').trim().toUpperCase();
	const kindError = kind === null && !/^[A-Z][A-Z0-9-]{1,19}$/.test(newKind) ? 'letters.errors.kind' : null;
	if (!parsed.ok || kindError) {
		const errors = parsed.ok ? {} : parsed.errors;
		if (kindError) errors.kind = kindError;
		const values = parsed.ok ? Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])) : parsed.values;
		return refuse(400, { errors, values, message: 'errors.form' });
	}
	const { db } = getRuntime();
	const input = { ...parsed.data, fee_rp: parsed.data.fee_rp };
	if (kind === null) {
		const created = await createService(db, event.locals.db.user, newKind, input);
		if (created === 'exists') return refuse(409, { errors: { kind: 'letters.errors.kind_taken' }, values: Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])), message: 'errors.form' });
		redirect(303, `/rw/layanan/${newKind}?saved=1`);
	}
	const ok = await updateService(db, event.locals.db.user, kind, input);
	if (!ok) return refuse(404, { message: 'letters.errors.no_service' });
	return { done: 'letters.service_saved' };
}
