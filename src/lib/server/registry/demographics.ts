import { AGE_BANDS } from '$lib/domain/registry';
import { todayWib } from '$lib/domain/time';
import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

export interface Demographics {
	total: number;
	bySex: { L: number; P: number };
	/** Age pyramid: per five-year band, men and women. */
	pyramid: { band: string; L: number; P: number }[];
	byRt: { rt_number: number; households: number; residents: number }[];
	byStatus: Record<string, number>;
}

/** Summary of the living, present population the user may see (RLS), computed in one query. */
export async function demographics(db: Database, user: SessionUser, rtNumber?: number, today: string = todayWib()): Promise<Demographics> {
	const rows = await queryAsUser<{ rt_number: number; sex: 'L' | 'P'; band: number; status: string; n: number; households: number }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		// Whole years as ageOn counts them (29 February's anniversary is 28 February in a
		// common year: date + interval clamps to the month's end; age() would say 1 March).
		`select rt.number as rt_number, r.sex,
		        least(15, (y.years - (r.birth_date + make_interval(years => y.years) > $2::date)::int) / 5) as band,
		        r.status, count(*)::int as n, count(distinct r.household_id)::int as households
		   from resident r join rt on rt.id = r.rt_id
		        cross join lateral (select (extract(year from $2::date) - extract(year from r.birth_date))::int as years) y
		  where r.rw_id = $1 and ($3::int is null or rt.number = $3::int)
		  group by 1, 2, 3, 4`,
		[user.rwId, today, rtNumber ?? null]
	);
	const pyramid = AGE_BANDS.map((band) => ({ band: band as string, L: 0, P: 0 }));
	const byRt = new Map<number, { rt_number: number; households: number; residents: number }>();
	const byStatus: Record<string, number> = {};
	let L = 0;
	let P = 0;
	for (const row of rows) {
		byStatus[row.status] = (byStatus[row.status] ?? 0) + row.n;
		if (row.status === 'moved' || row.status === 'died') continue;
		pyramid[row.band]![row.sex] += row.n;
		if (row.sex === 'L') L += row.n;
		else P += row.n;
		const rt = byRt.get(row.rt_number) ?? { rt_number: row.rt_number, households: 0, residents: 0 };
		rt.residents += row.n;
		byRt.set(row.rt_number, rt);
	}
	// Households per RT counted separately (a household spans bands and sexes).
	const households = await queryAsUser<{ rt_number: number; n: number }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select rt.number as rt_number, count(*)::int as n from household hh join rt on rt.id = hh.rt_id
		  where hh.rw_id = $1 and ($2::int is null or rt.number = $2::int) group by 1`,
		[user.rwId, rtNumber ?? null]
	);
	for (const h of households) {
		const rt = byRt.get(h.rt_number) ?? { rt_number: h.rt_number, households: 0, residents: 0 };
		rt.households = h.n;
		byRt.set(h.rt_number, rt);
	}
	return {
		total: L + P,
		bySex: { L, P },
		pyramid,
		byRt: [...byRt.values()].sort((a, b) => a.rt_number - b.rt_number),
		byStatus
	};
}
