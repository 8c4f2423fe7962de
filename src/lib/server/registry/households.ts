import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { blindIndex, type PiiKeys } from '../crypto/pii';

/**
 * The household with this KK number, if the user may see it (RLS). KK numbers are
 * stored encrypted, so the lookup goes through their keyed blind index
 * (UU 27/2022; docs/domain.md, "Personal data: NIK and KK").
 */
export async function findHouseholdByKk(db: Database, keys: PiiKeys, user: SessionUser, kk: string): Promise<string | null> {
	const rows = await queryAsUser<{ id: string }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'select id from household where rw_id = $1 and kk_hash = $2', [user.rwId, blindIndex(keys, 'kk', kk)]
	);
	return rows[0]?.id ?? null;
}
