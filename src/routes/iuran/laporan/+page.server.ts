import { error } from '@sveltejs/kit';
import { isMonth, monthOf } from '$lib/domain/dues';
import { monthlyReport } from '$lib/server/dues/book';
import type { PageServerLoad } from './$types';

/** The monthly report every member of the RW sees (`?bulan=YYYY-MM`, default this month). */
export const load: PageServerLoad = async ({ locals, url }) => {
	// Every member of an RW reads its report.
	if (!locals.db.user.rwId) error(403, { message: 'Forbidden', key: 'error.403' });
	const asked = url.searchParams.get('bulan');
	const month = asked && isMonth(`${asked}-01`) ? `${asked}-01` : monthOf(new Date());
	return { report: await locals.db.run(monthlyReport, month) };
};
