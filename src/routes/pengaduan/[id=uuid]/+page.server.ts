import { error } from '@sveltejs/kit';
import { may } from '$lib/domain/permissions';
import { mayRate, mayReopen, staffMayMove, COMPLAINT_STATUSES } from '$lib/domain/complaints';
import { getRuntime } from '$lib/server/runtime';
import { assign, assignees, changeStatus, getComplaint, rate, reopen, support, withdrawnFrom } from '$lib/server/complaints/service';
import { editText, hide, hidePhoto, replacePhoto, revisions, unhide, type ModerationResult } from '$lib/server/complaints/moderation';
import { checkPhoto } from '$lib/server/complaints/photos';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** One complaint: public facts for members, in full (history, reporter for staff) for its reporter and staff. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const user = locals.db.user;
	const complaint = await getComplaint(getRuntime().db, user, params.id);
	if (!complaint) {
		// Hidden or made private after this member heard of it: say so, not "not found".
		if (await withdrawnFrom(getRuntime().db, user, params.id)) error(410, { message: 'Gone', key: 'complaints.error.withdrawn' });
		error(404, { message: 'Not found', key: 'error.404' });
	}
	const staff = complaint.full !== null && may(user, 'complaints.manage', { rtId: complaint.rt_id });
	const mine = complaint.full?.mine ?? false;
	const now = new Date();
	const { db } = getRuntime();
	return {
		complaint,
		staff,
		assignees: staff ? await assignees(db, user, params.id) : [],
		revisions: staff ? await revisions(db, user, params.id) : [],
		moves: staff ? COMPLAINT_STATUSES.filter((s) => staffMayMove(complaint.status, s)) : [],
		mayReopen: mine && mayReopen(complaint.status, complaint.finished_at ? new Date(complaint.finished_at) : null, now),
		mayRate: mine && mayRate(complaint.status) && complaint.full?.rating === null,
		maySupport: !mine && !complaint.supported && complaint.full === null && ['baru', 'diterima', 'dikerjakan'].includes(complaint.status)
	};
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

/** A moderation or assignment step's answer for the form `name`. */
function answer(name: string, done: string, result: ModerationResult, form: FormData) {
	if (result.ok) return { form: name, done };
	if ('reason' in result) return refuse(result.reason === 'not_found' ? 404 : 403, { form: name, message: result.reason === 'not_found' ? 'complaints.error.not_found' : 'complaints.error.forbidden' });
	return refuse(400, { form: name, errors: result.errors, values: typedValues(form) });
}

export const actions: Actions = {
	support: async ({ locals, params }) => {
		const ok = await support(getRuntime().db, locals.db.user, params.id);
		if (!ok) return refuse(409, { form: 'support', message: 'complaints.error.support' });
		return { form: 'support', done: 'complaints.done.supported' };
	},
	status: async ({ locals, params, request }) => {
		const form = await request.formData();
		const result = await changeStatus(
			getRuntime().db,
			locals.db.user,
			params.id,
			{ to: text(form, 'to'), note: text(form, 'note'), closedReason: text(form, 'closed_reason'), forwardUrl: text(form, 'forward_url'), duplicateOf: text(form, 'duplicate_of') },
			new Date()
		);
		if (result.ok) return { form: 'status', done: 'complaints.done.status' };
		if ('reason' in result) return refuse(result.reason === 'not_found' ? 404 : 403, { form: 'status', message: 'complaints.error.not_found' });
		return refuse(400, { form: 'status', errors: result.errors, values: typedValues(form) });
	},
	reopen: async ({ locals, params, request }) => {
		const form = await request.formData();
		const result = await reopen(getRuntime().db, locals.db.user, params.id, text(form, 'note'), new Date());
		if (result.ok) return { form: 'reopen', done: 'complaints.done.reopened' };
		if ('reason' in result) return refuse(404, { form: 'reopen', message: 'complaints.error.not_found' });
		return refuse(400, { form: 'reopen', errors: result.errors, values: typedValues(form) });
	},
	rate: async ({ locals, params, request }) => {
		const form = await request.formData();
		const result = await rate(getRuntime().db, locals.db.user, params.id, { rating: text(form, 'rating'), comment: text(form, 'comment') }, new Date());
		if (result.ok) return { form: 'rate', done: 'complaints.done.rated' };
		if ('reason' in result) return refuse(404, { form: 'rate', message: 'complaints.error.not_found' });
		return refuse(400, { form: 'rate', errors: result.errors, values: typedValues(form) });
	},
	assign: async ({ locals, params, request }) => {
		const form = await request.formData();
		const to = text(form, 'assignee');
		return answer('assign', 'complaints.done.assigned', await assign(getRuntime().db, locals.db.user, params.id, to === '' ? null : to, new Date()), form);
	},
	hide: async ({ locals, params, request }) => {
		const form = await request.formData();
		return answer('hide', 'complaints.done.hidden', await hide(getRuntime().db, locals.db.user, params.id, text(form, 'reason'), new Date()), form);
	},
	unhide: async ({ locals, params, request }) => {
		const form = await request.formData();
		return answer('hide', 'complaints.done.unhidden', await unhide(getRuntime().db, locals.db.user, params.id, text(form, 'reason'), new Date()), form);
	},
	edit: async ({ locals, params, request }) => {
		const form = await request.formData();
		const input = { title: text(form, 'title'), description: text(form, 'description'), reason: text(form, 'reason') };
		return answer('edit', 'complaints.done.edited', await editText(getRuntime().db, locals.db.user, params.id, input, new Date()), form);
	},
	photo: async ({ locals, params, request }) => {
		const form = await request.formData();
		const { db, files } = getRuntime();
		const photoId = text(form, 'photo');
		const upload = form.get('replacement');
		if (form.get('replace') === 'on' || (upload instanceof File && upload.size > 0)) {
			if (!(upload instanceof File) || upload.size === 0) return refuse(400, { form: `photo-${photoId}`, errors: { replacement: 'complaints.error.photo_required' }, values: typedValues(form) });
			const checked = await checkPhoto({ bytes: new Uint8Array(await upload.arrayBuffer()), name: upload.name });
			if (!checked.ok) return refuse(400, { form: `photo-${photoId}`, errors: { replacement: checked.problem }, values: typedValues(form) });
			return answer(`photo-${photoId}`, 'complaints.done.photo', await replacePhoto(db, files, locals.db.user, params.id, photoId, checked.photo, text(form, 'reason'), new Date()), form);
		}
		return answer(`photo-${photoId}`, 'complaints.done.photo', await hidePhoto(db, locals.db.user, params.id, photoId, text(form, 'reason'), new Date()), form);
	}
};
