import type { Database } from '../db';

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

export interface LevelPoint {
	at: string;
	min_cm: number;
	max_cm: number;
	avg_cm: number;
	last_cm: number;
}

/** Water level history from rollups: per minute for 24 hours, per hour for 30 days. */
export async function levelHistory(db: Database, deviceId: string, range: '24h' | '30d'): Promise<LevelPoint[]> {
	const table = range === '24h' ? 'reading_minute' : 'reading_hour';
	const span = range === '24h' ? '24 hours' : '30 days';
	return db.query<LevelPoint>(
		`select bucket as at, min_cm, max_cm, (sum_cm / n)::real as avg_cm, last_cm
		   from ${table} where device_id = $1 and bucket >= now() - interval '${span}' order by bucket`,
		[deviceId]
	);
}
