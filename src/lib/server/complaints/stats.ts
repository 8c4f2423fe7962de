import type { SessionUser } from '../auth/sessions';
import { withUser, type Database } from '../db';
import type { ComplaintStats } from '$lib/views/complaint-stats';

export type { ComplaintStats };

/**
 * Complaint statistics for staff (docs/complaints.md "Statistics"): the last 12 WIB
 * months up to `now`'s, of the complaints the user manages (complaints.manage: the RW
 * admin the whole RW, an RT head their RT), hidden ones left out. Computed in SQL under
 * RLS. A complaint's time is its `reported` event (the app's clock when it was filed).
 */
export function complaintStats(db: Database, user: SessionUser, now: Date): Promise<ComplaintStats> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const window = `
		  with bounds as (
		    select (date_trunc('month', $2::timestamptz at time zone 'Asia/Jakarta') - interval '11 months') at time zone 'Asia/Jakarta' as since,
		           (date_trunc('month', $2::timestamptz at time zone 'Asia/Jakarta') + interval '1 month') at time zone 'Asia/Jakarta' as until
		  ), reach as (select app.may_rts('complaints.manage') as rt_id),
		  base as (
		    select c.id, c.rt_id, c.category_id, c.status, c.finished_at, c.rating,
		           coalesce((select min(e.at) from complaint_event e where e.complaint_id = c.id and e.kind = 'reported'), c.created_at) as reported_at
		      from complaint c
		     where c.rw_id = $1 and c.rt_id in (select rt_id from reach) and not c.hidden
		  ),
		  win as (select b.* from base b, bounds where b.reported_at >= bounds.since and b.reported_at < bounds.until)`;
		const args = [user.rwId, now];
		const perMonth = await tx.query<{ m: string; n: number }>(
			`${window}
			 select to_char(m, 'YYYY-MM') as m, (select count(*)::int from win where to_char(win.reported_at at time zone 'Asia/Jakarta', 'YYYY-MM') = to_char(m, 'YYYY-MM')) as n
			   from bounds, generate_series(since at time zone 'Asia/Jakarta', until at time zone 'Asia/Jakarta' - interval '1 month', interval '1 month') as m
			  order by m`,
			args
		);
		const perCategory = await tx.query<{ name: string; name_en: string | null; count: number }>(
			`${window}
			 select cc.name, cc.name_en, count(win.id)::int as count
			   from complaint_category cc left join win on win.category_id = cc.id
			  where cc.rw_id = $1
			  group by cc.id, cc.name, cc.name_en, cc.sort, cc.active having cc.active or count(win.id) > 0
			  order by cc.sort, cc.name`,
			args
		);
		const perRt = await tx.query<{ number: number; name: string; count: number }>(
			`${window}
			 select rt.number::int as number, rt.name, count(win.id)::int as count
			   from rt left join win on win.rt_id = rt.id
			  where rt.rw_id = $1 and rt.id in (select rt_id from reach)
			  group by rt.id, rt.number, rt.name order by rt.number`,
			args
		);
		const [s] = await tx.query<{ total: number; median_hours: number | null; fixed: number; closed: number; open: number; rating: number | null; ratings: number }>(
			`${window}
			 select count(*)::int as total,
			        (percentile_cont(0.5) within group (order by extract(epoch from finished_at - reported_at)) filter (where status = 'selesai')) / 3600.0 as median_hours,
			        count(*) filter (where status = 'selesai')::int as fixed,
			        count(*) filter (where status = 'ditutup')::int as closed,
			        count(*) filter (where status in ('baru', 'diterima', 'dikerjakan'))::int as open,
			        round(avg(rating), 2)::float8 as rating,
			        count(rating)::int as ratings
			   from win`,
			args
		);
		const finished = s!.fixed + s!.closed;
		return {
			months: perMonth.map((r) => r.m),
			perMonth: perMonth.map((r) => r.n),
			perCategory,
			perRt,
			total: s!.total,
			medianHoursToFixed: s!.median_hours === null ? null : Number(s!.median_hours),
			fixed: s!.fixed,
			closed: s!.closed,
			open: s!.open,
			fixedShare: finished === 0 ? null : s!.fixed / finished,
			rating: s!.rating === null ? null : Number(s!.rating),
			ratings: s!.ratings
		};
	});
}
