import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/** Houses: the registry's addresses (block and number in one RT), each holding households. */

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

export interface HouseRow {
	id: string;
	rt_number: number;
	block: string;
	number: string;
	category: string;
	lat: number | null;
	lng: number | null;
	residents: number;
}

/** Houses of one RT (or all the user may see), ordered as they are on the street. */
export function listHouses(db: Database, user: SessionUser, rtId?: string): Promise<HouseRow[]> {
	return queryAsUser<HouseRow>(
		db,
		claimsOf(user),
		`select h.id, rt.number as rt_number, h.block, h.number, h.category, h.lat, h.lng,
		        (select count(*)::int from membership m where m.house_id = h.id) as residents
		   from house h join rt on rt.id = h.rt_id
		  where h.rw_id = $1 and ($2::uuid is null or h.rt_id = $2::uuid)
		  order by rt.number, h.block, length(h.number), h.number
		  limit 500`,
		[user.rwId, rtId ?? null]
	);
}

export interface CategoryCount {
	rt_number: number;
	category: string;
	houses: number;
}

/** Houses per RT and category: what dues tariffs are set on (docs/domain.md, "Dues"). */
export function houseCategoryCounts(db: Database, user: SessionUser): Promise<CategoryCount[]> {
	return queryAsUser<CategoryCount>(
		db,
		claimsOf(user),
		`select rt.number as rt_number, h.category, count(*)::int as houses
		   from house h join rt on rt.id = h.rt_id
		  where h.rw_id = $1
		  group by rt.number, h.category order by rt.number, h.category`,
		[user.rwId]
	);
}

export interface HouseDetail {
	id: string;
	rt_number: number;
	block: string;
	number: string;
	category: string;
	occupancy: string;
	lat: number | null;
	lng: number | null;
}

export async function getHouse(db: Database, user: SessionUser, id: string): Promise<HouseDetail | null> {
	const rows = await queryAsUser<HouseDetail>(
		db,
		claimsOf(user),
		`select h.id, rt.number as rt_number, h.block, h.number, h.category, h.occupancy, h.lat, h.lng
		   from house h join rt on rt.id = h.rt_id where h.id = $1 and h.rw_id = $2`,
		[id, user.rwId]
	);
	return rows[0] ?? null;
}

/** Category, occupancy and map point of a house; RLS lets an RT head change only their RT's. */
export async function updateHouse(
	db: Database,
	user: SessionUser,
	id: string,
	input: { category: string; occupancy: string; lat: number | null; lng: number | null }
): Promise<boolean> {
	const rows = await queryAsUser(
		db,
		claimsOf(user),
		`update house set category = $3, occupancy = $4, lat = $5, lng = $6 where id = $1 and rw_id = $2 returning id`,
		[id, user.rwId, input.category, input.occupancy, input.lat, input.lng]
	);
	return rows.length > 0;
}
