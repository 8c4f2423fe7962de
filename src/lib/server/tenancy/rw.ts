import { withAnon, queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import type { Role } from '$lib/domain/roles';

export interface PublicRw {
	id: string;
	code: string;
	name: string;
	kelurahan: string;
	kecamatan: string;
	city: string;
	rt_count: number;
}

/** What a visitor may see: each RW's public identity (landing page). */
export function listPublicRws(db: Database): Promise<PublicRw[]> {
	return withAnon(db, (tx) =>
		tx.query<PublicRw>(
			`select rw.id, rw.code, rw.name, rw.kelurahan, rw.kecamatan, rw.city,
			        (select count(*)::int from rt where rt.rw_id = rw.id) as rt_count
			   from rw order by rw.code limit 50`
		)
	);
}

export interface RtSummary {
	id: string;
	number: number;
	name: string;
	houses: number;
	members: number;
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * RTs of the user's RW with the houses and members the user may see; RLS decides
 * what "may see" means (an RT head counts only their RT's houses).
 */
export function listRtSummaries(db: Database, user: SessionUser): Promise<RtSummary[]> {
	return queryAsUser<RtSummary>(
		db,
		claimsOf(user),
		`select rt.id, rt.number, rt.name,
		        (select count(*)::int from house h where h.rt_id = rt.id) as houses,
		        (select count(distinct m.user_id)::int from membership m where m.rt_id = rt.id) as members
		   from rt where rt.rw_id = $1 order by rt.number`,
		[user.rwId]
	);
}

export interface MemberRow {
	user_id: string;
	name: string;
	phone: string;
	roles: Role[];
	rt_number: number | null;
	joined_at: string;
}

/** Members of the RW (RW admin) or of the RT (RT head), one row per person. */
export function listMembers(db: Database, user: SessionUser): Promise<MemberRow[]> {
	return queryAsUser<MemberRow>(
		db,
		claimsOf(user),
		`select u.id as user_id, u.name, u.phone,
		        array_agg(distinct m.role order by m.role) as roles,
		        min(rt.number) as rt_number, min(m.created_at) as joined_at
		   from membership m join app_user u on u.id = m.user_id
		   left join rt on rt.id = m.rt_id
		  where m.rw_id = $1
		  group by u.id, u.name, u.phone
		  order by u.name limit 500`,
		[user.rwId]
	);
}

export interface RwOverview {
	rts: number;
	houses: number;
	members: number;
	open_invites: number;
}

export async function rwOverview(db: Database, user: SessionUser): Promise<RwOverview> {
	const rows = await queryAsUser<RwOverview>(
		db,
		claimsOf(user),
		`select (select count(*)::int from rt where rw_id = $1) as rts,
		        (select count(*)::int from house where rw_id = $1) as houses,
		        (select count(distinct user_id)::int from membership where rw_id = $1) as members,
		        (select count(*)::int from invite where rw_id = $1 and used_at is null
		            and revoked_at is null and expires_at > now()) as open_invites`,
		[user.rwId]
	);
	return rows[0]!;
}
