import type { SessionUser } from '../auth/sessions';
import { withUser, type Database, type Sql } from '../db';
import { notify } from '../notifications';

/**
 * Following an area for new complaints (docs/complaints.md "Following an area"): a
 * member follows their own RT or the whole RW and is told of new public reports there
 * through notify() (in-app and push, preference `area`). A flood of reports is
 * coalesced per follower and area: one notification per window, counting up.
 */

/** A follower's window: reports inside it update the window's one notification. */
export const FOLLOW_WINDOW_MINUTES = 10;

/**
 * Tells the followers of the complaint's RT and RW that it was filed (or made public).
 * Call it inside the transaction that creates the complaint, or that makes it public
 * or shown again, as its reporter or staff. The database decides who hears of it, and
 * only once per complaint: never of a private, hidden or security-category complaint,
 * never its reporter, never someone this step already told of it.
 */
export async function announceToFollowers(tx: Sql, complaintId: string, now: Date): Promise<void> {
	const fresh = await tx.query<{ user_id: string; area: string; rw_id: string; title: string }>(
		'select user_id, area, rw_id, title from app.complaint_follow_fanout($1, $2, $3::interval)',
		[complaintId, now, `${FOLLOW_WINDOW_MINUTES} minutes`]
	);
	if (fresh.length === 0) return;
	const byArea = new Map<string, string[]>();
	for (const r of fresh) byArea.set(r.area, [...(byArea.get(r.area) ?? []), r.user_id]);
	const { rw_id: rwId, title } = fresh[0]!;
	for (const [area, userIds] of byArea) await notify(tx, rwId, userIds, 'complaint.area_new', { title, area }, `/pengaduan/${complaintId}`);
	await tx.query('select app.complaint_follow_link($1, $2)', [complaintId, now]);
}

export interface FollowOption {
	/** The RT's id, or null for the whole RW. */
	rtId: string | null;
	area: string;
	followed: boolean;
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/** What the member may follow (their own RTs, the whole RW) and what they follow now. */
export function followOptions(db: Database, user: SessionUser): Promise<FollowOption[]> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ rt_id: string | null; area: string; followed: boolean }>(
			`select rt.id as rt_id, rt.name as area, exists (select 1 from complaint_follow f where f.user_id = $2 and f.rt_id = rt.id) as followed
			   from rt where rt.rw_id = $1 and rt.id in (select app.my_rt_ids())
			 union all
			 select null, rw.name, exists (select 1 from complaint_follow f where f.user_id = $2 and f.rw_id = rw.id and f.rt_id is null)
			   from rw where rw.id = $1 and rw.id in (select app.member_rw_ids())
			 order by 1 nulls last`,
			[user.rwId, user.id]
		);
		return rows.map((r) => ({ rtId: r.rt_id, area: r.area, followed: r.followed }));
	});
}

export type FollowResult = { ok: true } | { ok: false; errors: { areas: 'follow.error.area' } };

/**
 * Sets what the member follows: `areas` holds RT ids and `rw` for the whole RW. Any
 * other value (another RT, another RW's) refuses the whole choice and writes nothing.
 */
export function setFollows(db: Database, user: SessionUser, areas: readonly string[]): Promise<FollowResult> {
	return withUser(db, claimsOf(user), async (tx) => {
		const options = await tx.query<{ rt_id: string }>('select rt.id as rt_id from rt where rt.rw_id = $1 and rt.id in (select app.my_rt_ids())', [user.rwId]);
		const own = new Set(options.map((o) => o.rt_id));
		const wanted = [...new Set(areas)];
		if (!user.rwId || wanted.some((a) => a !== 'rw' && !own.has(a))) return { ok: false, errors: { areas: 'follow.error.area' } };
		const rtIds = wanted.filter((a) => a !== 'rw');
		await tx.query(
			`delete from complaint_follow where user_id = $1 and rw_id = $2 and not ((rt_id is null and $3) or rt_id = any($4::uuid[]))`,
			[user.id, user.rwId, wanted.includes('rw'), rtIds]
		);
		await tx.query(
			`insert into complaint_follow (rw_id, user_id, rt_id)
			 select $1::uuid, $2::uuid, a from unnest($3::uuid[]) as a union all select $1::uuid, $2::uuid, null where $4
			 on conflict do nothing`,
			[user.rwId, user.id, rtIds, wanted.includes('rw')]
		);
		return { ok: true };
	});
}
