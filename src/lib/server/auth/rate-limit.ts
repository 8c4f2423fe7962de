import type { Sql } from '../db';

export interface Limit {
	/** Failures allowed in the window before the key is locked. */
	max: number;
	windowSeconds: number;
}

/** Login and code redemption: per phone and per address, kept in the database so every instance counts the same attempts. */
export const LIMITS = {
	loginPerPhone: { max: 5, windowSeconds: 15 * 60 },
	loginPerIp: { max: 30, windowSeconds: 15 * 60 },
	redeemPerIp: { max: 10, windowSeconds: 15 * 60 },
	redeemPerPhone: { max: 5, windowSeconds: 15 * 60 }
} as const satisfies Record<string, Limit>;

/** Seconds until the key unlocks, or 0 when it is not locked. */
export async function lockedFor(db: Sql, key: string, limit: Limit): Promise<number> {
	const rows = await db.query<{ wait: number }>(
		`select greatest(0, ceil(extract(epoch from window_ends_at - now())))::int as wait
		   from rate_limit where key = $1 and count >= $2 and window_ends_at > now()`,
		[key, limit.max]
	);
	return rows[0]?.wait ?? 0;
}

/** Counts one failure against the key, starting a new window when the last one ended. */
export async function recordFailure(db: Sql, key: string, limit: Limit): Promise<void> {
	await db.query(
		`insert into rate_limit (key, count, window_ends_at)
		 values ($1, 1, now() + make_interval(secs => $2))
		 on conflict (key) do update set
		   count = case when rate_limit.window_ends_at <= now() then 1 else rate_limit.count + 1 end,
		   window_ends_at = case when rate_limit.window_ends_at <= now()
		     then now() + make_interval(secs => $2) else rate_limit.window_ends_at end`,
		[key, limit.windowSeconds]
	);
}

export async function clearFailures(db: Sql, key: string): Promise<void> {
	await db.query('delete from rate_limit where key = $1', [key]);
}

/** Seconds to wait for the most restrictive of several keys. */
export async function lockedForAny(db: Sql, checks: [string, Limit][]): Promise<number> {
	let wait = 0;
	for (const [key, limit] of checks) wait = Math.max(wait, await lockedFor(db, key, limit));
	return wait;
}
