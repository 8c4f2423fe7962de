import { percentile } from '$lib/domain/panic';
import { may } from '$lib/domain/permissions';
import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

export interface MonthlyReport {
	/** First day of the month, `YYYY-MM-01` (UTC). */
	month: string;
	total: number;
	/** Count per category (`none`: pressed without one, or a button). */
	byCategory: Record<string, number>;
	/** Count per outcome state. */
	byState: Record<string, number>;
	/** Seconds from press to acknowledgement. */
	ackMedianS: number | null;
	ackP90S: number | null;
	/** Seconds from press to an officer dispatched. */
	dispatchMedianS: number | null;
	dispatchP90S: number | null;
}

export interface FalseAlarmCount {
	placeLabel: string;
	houseId: string | null;
	count: number;
}

/**
 * The RW admin's view of incidents (docs/panic.md, "Abuse and reports"): a month's
 * count by type and outcome with response times (median, p90), and false alarms per
 * house. Read as the user (RLS), after the permission check.
 */
export async function monthlyReport(db: Database, user: SessionUser, month: string): Promise<MonthlyReport | null> {
	if (!user.rwId || !may(user, 'incidents.report')) return null;
	const rows = await queryAsUser<{ category: string | null; state: string; ack_s: number | null; dispatch_s: number | null }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select category, state, extract(epoch from acknowledged_at - triggered_at)::float8 as ack_s,
		        extract(epoch from dispatched_at - triggered_at)::float8 as dispatch_s
		   from panic_incident where rw_id = $1 and triggered_at >= $2::date and triggered_at < $2::date + interval '1 month'`,
		[user.rwId, month]
	);
	const count = (key: (r: (typeof rows)[number]) => string) =>
		rows.reduce<Record<string, number>>((acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc), {});
	const acks = rows.flatMap((r) => (r.ack_s === null ? [] : [r.ack_s]));
	const dispatches = rows.flatMap((r) => (r.dispatch_s === null ? [] : [r.dispatch_s]));
	const round = (v: number | null) => (v === null ? null : Math.round(v));
	return {
		month,
		total: rows.length,
		byCategory: count((r) => r.category ?? 'none'),
		byState: count((r) => r.state),
		ackMedianS: round(percentile(acks, 50)),
		ackP90S: round(percentile(acks, 90)),
		dispatchMedianS: round(percentile(dispatches, 50)),
		dispatchP90S: round(percentile(dispatches, 90))
	};
}

/** False alarms per house (or button) over the last `days`, most first. */
export async function falseAlarmsByHouse(db: Database, user: SessionUser, days = 365): Promise<FalseAlarmCount[] | null> {
	if (!user.rwId || !may(user, 'incidents.report')) return null;
	return queryAsUser<FalseAlarmCount>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select max(place_label) as "placeLabel", house_id as "houseId", count(*)::int as count
		   from panic_incident where rw_id = $1 and state = 'false_alarm' and triggered_at > now() - make_interval(days => $2)
		  group by house_id, case when house_id is null then place_label end order by count desc, 1 limit 100`,
		[user.rwId, days]
	);
}
