import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

export interface ResidentHome {
	rw: { name: string; kelurahan: string; kecamatan: string; city: string } | null;
	house: { block: string; number: string; rt_number: number } | null;
}

/** What the resident home shows: their RW and their house, read under their own RLS. */
export async function residentHome(db: Database, user: SessionUser): Promise<ResidentHome> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const rw = await tx.query<NonNullable<ResidentHome['rw']>>(
			'select name, kelurahan, kecamatan, city from rw where id = $1',
			[user.rwId]
		);
		const house = user.houseId
			? await tx.query<NonNullable<ResidentHome['house']>>(
					'select h.block, h.number, rt.number as rt_number from house h join rt on rt.id = h.rt_id where h.id = $1',
					[user.houseId]
				)
			: [];
		return { rw: rw[0] ?? null, house: house[0] ?? null };
	});
}
