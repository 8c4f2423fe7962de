import { isUuid } from '$lib/domain/ids';
import { mayAnywhere } from '$lib/domain/permissions';
import { COMPLAINT_STATUSES } from '$lib/domain/complaints';
import { getRuntime } from '$lib/server/runtime';
import { changeStatusBulk, handlersOfRw, housePoints, listForStaff } from '$lib/server/complaints/service';
import { listAllCategories } from '$lib/server/complaints/categories';
import { withUser } from '$lib/server/db';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** The age filter's choices, in days (the SLA colours start at 3 and 7). */
const AGES = [3, 7] as const;

/** Triage for RW admin and RT heads (the guard requires complaints.manage; RLS limits an RT head to their RT). */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.db.user;
	const { db, config } = getRuntime();
	const now = new Date();
	const q = (name: string) => url.searchParams.get(name) ?? '';
	const assignee = q('assignee');
	const age = Number(q('age'));
	const filters = {
		status: (COMPLAINT_STATUSES as readonly string[]).includes(q('status')) ? q('status') : undefined,
		categoryId: isUuid(q('category')) ? q('category') : undefined,
		rtId: isUuid(q('rt')) ? q('rt') : undefined,
		assignee: assignee === 'me' ? user.id : assignee === 'none' || isUuid(assignee) ? assignee : undefined,
		minAgeDays: (AGES as readonly number[]).includes(age) ? age : undefined
	};
	const [items, categories, rts, handlers, houses] = await Promise.all([
		listForStaff(db, user, filters, now),
		listAllCategories(db, user),
		withUser(db, locals.db.claims, (tx) => tx.query<{ id: string; number: number }>(`select id, number::int as number from rt where rw_id = $1 and id in (select app.may_rts('complaints.manage')) order by number`, [user.rwId])),
		handlersOfRw(db, user),
		withUser(db, locals.db.claims, (tx) => housePoints(tx, user.rwId!))
	]);
	return { items, categories, rts, handlers, houses, ages: AGES, tileUrl: config.mapTileUrl, filters: { ...filters, assignee: assignee === 'me' ? 'me' : filters.assignee }, mayConfigure: mayAnywhere(user, 'complaints.configure'), now: now.toISOString() };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

export const actions: Actions = {
	/** One status for the selected complaints; each is checked and logged on its own, refusals reported per complaint. */
	bulk: async ({ locals, request }) => {
		const form = await request.formData();
		const ids = form.getAll('ids').map(String);
		const result = await changeStatusBulk(
			getRuntime().db,
			locals.db.user,
			ids,
			{ to: text(form, 'to'), note: text(form, 'note'), closedReason: text(form, 'closed_reason'), forwardUrl: text(form, 'forward_url'), duplicateOf: text(form, 'duplicate_of') },
			new Date()
		);
		if (!result.ok) return refuse(400, { form: 'bulk', errors: result.errors, values: typedValues(form) });
		const refused = result.refused.map((r) => ({
			id: r.id,
			title: r.title,
			problems: 'errors' in r.result ? Object.values(r.result.errors) : [r.result.reason === 'forbidden' ? 'complaints.error.forbidden' : 'complaints.error.not_found']
		}));
		if (result.changed.length === 0) return refuse(400, { form: 'bulk', values: typedValues(form) }, { changed: 0, refused });
		return { form: 'bulk', done: 'complaints.bulk_done', changed: result.changed.length, refused };
	}
};
