import type { LevelPoint } from '$lib/domain/flood';
import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/**
 * Deletes raw readings past the retention (default 30 days). Minute and hour
 * rollups stay: "last 24 h" and "last 30 days" are served from them.
 */
export async function pruneReadings(db: Database, retentionDays: number): Promise<number> {
	const rows = await db.query<{ n: number }>(
		`with d as (delete from reading where ts < now() - make_interval(days => $1) returning 1) select count(*)::int as n from d`,
		[retentionDays]
	);
	return rows[0]?.n ?? 0;
}

/**
 * Water level history from the rollups, as the user may see it (RLS: RW admin,
 * security officers and RT heads of the device's RW): per minute for 24 hours, per
 * hour for 30 days.
 */
export function levelHistory(db: Database, user: SessionUser, deviceId: string, range: '24h' | '30d'): Promise<LevelPoint[]> {
	const table = range === '24h' ? 'reading_minute' : 'reading_hour';
	const span = range === '24h' ? '24 hours' : '30 days';
	return queryAsUser<LevelPoint>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at, min_cm, max_cm, (sum_cm / n)::real as avg_cm, last_cm
		   from ${table} where device_id = $1 and bucket >= now() - interval '${span}' order by bucket`,
		[deviceId]
	);
}
