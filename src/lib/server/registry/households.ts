import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/** The household with this KK blind index, if the user may see it (RLS). */
export async function findHouseholdByKk(db: Database, user: SessionUser, kkHash: string): Promise<string | null> {
	const rows = await queryAsUser<{ id: string }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'select id from household where rw_id = $1 and kk_hash = $2', [user.rwId, kkHash]
	);
	return rows[0]?.id ?? null;
}
