import { error } from '@sveltejs/kit';
import { may } from '$lib/domain/permissions';
import { mayRate, mayReopen, staffMayMove, COMPLAINT_STATUSES } from '$lib/domain/complaints';
import { getRuntime } from '$lib/server/runtime';
import { changeStatus, getComplaint, rate, reopen, support } from '$lib/server/complaints/service';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** One complaint: public facts for members, in full (history, reporter for staff) for its reporter and staff. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const user = locals.db.user;
	const complaint = await getComplaint(getRuntime().db, user, params.id);
	if (!complaint) error(404, { message: 'Not found', key: 'error.404' });
	const staff = complaint.full !== null && may(user, 'complaints.manage', { rtId: complaint.rt_id });
	const mine = complaint.full?.mine ?? false;
	const now = new Date();
	return {
		complaint,
		staff,
		moves: staff ? COMPLAINT_STATUSES.filter((s) => staffMayMove(complaint.status, s)) : [],
		mayReopen: mine && mayReopen(complaint.status, complaint.finished_at ? new Date(complaint.finished_at) : null, now),
		mayRate: mine && mayRate(complaint.status) && complaint.full?.rating === null,
		maySupport: !mine && !complaint.supported && complaint.full === null && ['baru', 'diterima', 'dikerjakan'].includes(complaint.status)
	};
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

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
	}
};
