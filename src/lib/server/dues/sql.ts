import { listAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/** What the dues reads and writes share: the user's claims for RLS and how a house is named. */

export const claims = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/** `RT 005 · A 12`: a house as the dues pages name it (`h` the house, `rt` its RT). */
export const HOUSE_LABEL = `'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || trim(both ' ' from h.block || ' ' || h.number)`;

/** Rows as the user (RLS on, one round trip), `$1` being the user's RW and `params` from `$2` on. */
export function rwRows<T>(db: Database, user: SessionUser, text: string, params: unknown[] = []): Promise<T[]> {
	return listAsUser<T>(db, claims(user), text, [user.rwId, ...params]);
}
