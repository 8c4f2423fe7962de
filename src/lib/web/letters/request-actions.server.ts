import { redirect, type RequestEvent } from '@sveltejs/kit';
import { decisionSchema, requestDataSchema } from '$lib/schemas/letters';
import { parseForm } from '$lib/schemas/form';
import type { FieldErrors } from '$lib/schemas/form';
import { getRuntime } from '$lib/server/runtime';
import { withUser } from '$lib/server/db';
import { acceptUpload } from '$lib/server/storage/uploads';
import { getService } from '$lib/server/letters/catalogue';
import { decide } from '$lib/server/letters/review';
import { addAttachment, listAttachments, removeAttachment, saveRequest, MAX_ATTACHMENTS } from '$lib/server/letters/requests';
import { isUuid } from '$lib/domain/ids';
import { refuse } from '$lib/web/action-result.server';

/**
 * The resident's request form, shared by "new request" and "edit draft / fix a returned
 * request": every save keeps what was typed as a draft first (nothing is lost when a
 * field is wrong or the connection drops halfway), stores the checked attachments,
 * then submits if asked and everything is valid.
 */

export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export async function saveRequestAction(event: RequestEvent, requestId: string | null) {
	const user = event.locals.db.user;
	const { db, files } = getRuntime();
	const form = await event.request.formData();
	const kind = String(form.get('kind') ?? '');
	const intent = form.get('intent') === 'submit' ? 'submit' : 'draft';
	const subjectId = String(form.get('subject') ?? '');
	const service = await withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) => getService(tx, user.rwId!, kind));
	if (!service || service.mode !== 'online' || !service.active) return refuse(400, { message: 'letters.errors.no_service' });

	const raw: Record<string, string> = {};
	for (const field of service.fields) raw[field.key] = String(form.get(`f_${field.key}`) ?? '').trim().slice(0, 500);
	const errors: FieldErrors = {};
	if (!isUuid(subjectId)) errors.subject = 'errors.required';

	const uploads = form.getAll('files').filter((f): f is File => typeof f === 'object' && f !== null && 'size' in f && f.size > 0);
	const checked = await Promise.all(
		uploads.map(async (f) => ({ name: f.name, result: await acceptUpload({ bytes: new Uint8Array(await f.arrayBuffer()), name: f.name }, { maxBytes: MAX_FILE_BYTES }) }))
	);
	const fileErrors = checked.filter((c) => !c.result.ok).map((c) => ({ name: c.name.slice(0, 120), problem: c.result.ok ? '' : c.result.problem }));

	// 1. Keep what was typed, as a draft (only possible once a person is chosen).
	const formId = String(form.get('id') ?? '');
	let id = requestId ?? (isUuid(formId) ? formId : null);
	if (!errors.subject) {
		const saved = await saveRequest(db, user, { kind, subjectId, data: raw, submit: false, requestId: id });
		if (!saved.ok) {
			if (saved.reason === 'no_subject') errors.subject = 'errors.invalid_choice';
			else return refuse(saved.reason === 'not_found' ? 404 : 409, { message: `letters.errors.${saved.reason}`, values: raw }, { subject: subjectId });
		} else id = saved.id;
	}
	// 2. Store the files that passed the checks.
	if (id) {
		const label = String(form.get('label') ?? '').trim();
		for (const c of checked) {
			if (!c.result.ok) continue;
			const added = await addAttachment(db, files, user, id, c.result.file, label);
			if (!added.ok) fileErrors.push({ name: c.name.slice(0, 120), problem: `letters.errors.${added.reason}` });
		}
	}
	// 3. Submit when asked and valid.
	if (intent === 'submit') {
		const parsed = requestDataSchema(service.fields, 'submit').safeParse(raw);
		if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
		if (Object.keys(errors).length === 0 && fileErrors.length === 0 && id) {
			const submitted = await saveRequest(db, user, { kind, subjectId, data: parsed.data!, submit: true, requestId: id });
			if (submitted.ok) redirect(303, `/surat/${submitted.id}?sent=1`);
			return refuse(400, { message: `letters.errors.${submitted.reason}`, values: raw }, { subject: subjectId, id, fileErrors });
		}
	}
	if (Object.keys(errors).length > 0 || fileErrors.length > 0) {
		const attachments = id ? await listAttachments(db, user, id) : [];
		return refuse(400, { errors, message: 'errors.form', values: raw }, { subject: subjectId, id, fileErrors, attachments });
	}
	redirect(303, `/surat/${id}?saved=1`);
}

export async function removeAttachmentAction(event: RequestEvent, requestId: string) {
	const user = event.locals.db.user;
	const { db, files } = getRuntime();
	const form = await event.request.formData();
	const removed = await removeAttachment(db, files, user, requestId, String(form.get('attachment') ?? ''));
	if (!removed) return refuse(404, { message: 'letters.errors.not_found' });
	return { removed: true };
}

export { MAX_ATTACHMENTS };

/** RT head or RW admin decides on a request (one schema: approve / return / reject with a reason). */
export async function decideAction(event: RequestEvent, stage: 'rt' | 'rw') {
	const parsed = parseForm(decisionSchema, await event.request.formData());
	if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values, message: 'errors.form' });
	const { db, pii, files, config } = getRuntime();
	const result = await decide(db, event.locals.db.user, { requestId: event.params.id!, stage, decision: parsed.data.decision, note: parsed.data.note }, {
		pii,
		store: files,
		origin: config.origin ?? event.url.origin
	});
	if (!result.ok) return refuse(result.reason === 'not_found' ? 404 : result.reason === 'forbidden' ? 403 : 409, { message: `letters.errors.${result.reason}` });
	return { done: `letters.decided.${result.status}`, number: result.number ?? null };
}
