import { may } from '$lib/domain/permissions';
import { todayWib } from '$lib/domain/time';
import { listIncidentHistory } from '$lib/server/panic/queries';
import { falseAlarmsByHouse, monthlyReport } from '$lib/server/panic/report';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The RW's incidents of a month (RLS: an RT head sees their RT's), with the RW admin's report. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const asked = url.searchParams.get('month') ?? '';
	const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(asked) ? asked : todayWib().slice(0, 7);
	const first = `${month}-01`;
	const user = locals.db.user;
	const [incidents, report, falseAlarms] = await Promise.all([
		listIncidentHistory(getRuntime().db, locals.db.claims, { month: first, limit: 500 }),
		may(user, 'incidents.report') ? locals.db.run(monthlyReport, first) : null,
		may(user, 'incidents.report') ? locals.db.run(falseAlarmsByHouse, 365) : null
	]);
	return { month, incidents, report, falseAlarms };
};
