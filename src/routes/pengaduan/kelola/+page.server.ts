import { isUuid } from '$lib/domain/ids';
import { COMPLAINT_STATUSES } from '$lib/domain/complaints';
import { getRuntime } from '$lib/server/runtime';
import { listCategories, listForStaff } from '$lib/server/complaints/service';
import { withUser } from '$lib/server/db';
import type { PageServerLoad } from './$types';

/** Triage for RW admin and RT heads (the guard requires complaints.manage; RLS limits an RT head to their RT). */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.db.user;
	const { db } = getRuntime();
	const q = (name: string) => url.searchParams.get(name) ?? '';
	const filters = {
		status: (COMPLAINT_STATUSES as readonly string[]).includes(q('status')) ? q('status') : undefined,
		categoryId: isUuid(q('category')) ? q('category') : undefined,
		rtId: isUuid(q('rt')) ? q('rt') : undefined
	};
	const [items, categories, rts] = await Promise.all([
		listForStaff(db, user, filters),
		withUser(db, locals.db.claims, (tx) => listCategories(tx, user.rwId!)),
		withUser(db, locals.db.claims, (tx) => tx.query<{ id: string; number: number }>(`select id, number::int as number from rt where rw_id = $1 and id in (select app.may_rts('complaints.manage')) order by number`, [user.rwId]))
	]);
	return { items, categories, rts, filters, now: new Date().toISOString() };
};
