import type { Sql } from '../db';

export interface Limit {
	/** Attempts allowed in the window; the next one is refused until the window ends. */
	max: number;
	windowSeconds: number;
}

/**
 * Login and code redemption: per phone and per address. MQTT connections: per device
 * id from one address and per address, in shorter windows, because a device still holding a rotated
 * secret retries on its own and must get in soon after it is given the new one.
 */
export const LIMITS = {
	loginPerPhone: { max: 5, windowSeconds: 15 * 60 },
	loginPerIp: { max: 30, windowSeconds: 15 * 60 },
	redeemPerIp: { max: 10, windowSeconds: 15 * 60 },
	redeemPerPhone: { max: 5, windowSeconds: 15 * 60 },
	mqttPerDevice: { max: 10, windowSeconds: 5 * 60 },
	mqttPerIp: { max: 50, windowSeconds: 5 * 60 }
} as const satisfies Record<string, Limit>;

/**
 * Counts one attempt against every key, before the attempt does its slow work (a
 * password hash), and answers the seconds to wait when any key is past its limit (0:
 * go on). Count and check are one statement per call, so parallel attempts cannot all
 * pass a check that none of them has counted yet: with a limit of 5, the sixth of 30
 * simultaneous attempts is refused. An attempt that turns out right gives its count
 * back (`forgiveAttempt`, or `clearAttempts` for the key it proved). Keys are taken
 * in one order, so two attempts never wait on each other's rows.
 */
export async function takeAttempt(db: Sql, checks: [string, Limit][]): Promise<number> {
	const sorted = [...checks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const rows = await db.query<{ key: string; count: number; wait: number }>(
		`insert into rate_limit (key, count, window_ends_at)
		 select k, 1, now() + make_interval(secs => s) from unnest($1::text[], $2::int[]) with ordinality as t(k, s, n) order by n
		 on conflict (key) do update set
		   count = case when rate_limit.window_ends_at <= now() then 1 else rate_limit.count + 1 end,
		   window_ends_at = case when rate_limit.window_ends_at <= now() then excluded.window_ends_at else rate_limit.window_ends_at end
		 returning key, count, greatest(1, ceil(extract(epoch from window_ends_at - now())))::int as wait`,
		[sorted.map(([key]) => key), sorted.map(([, limit]) => limit.windowSeconds)]
	);
	let wait = 0;
	for (const row of rows) {
		const limit = sorted.find(([key]) => key === row.key)![1];
		if (row.count > limit.max) wait = Math.max(wait, row.wait);
	}
	return wait;
}

/**
 * The seconds to wait when a key is already past its limit (0: go on), counting
 * nothing: for a limit that counts only failures (`countFailures`), where many right
 * attempts arrive at once (every device of an RW reconnecting after a broker restart,
 * from one gateway address) and must not refuse each other while in flight.
 */
export async function overLimit(db: Sql, checks: [string, Limit][]): Promise<number> {
	const rows = await db.query<{ key: string; count: number; wait: number }>(
		`select key, count, greatest(1, ceil(extract(epoch from window_ends_at - now())))::int as wait
		   from rate_limit where key = any($1::text[]) and window_ends_at > now()`,
		[checks.map(([key]) => key)]
	);
	let wait = 0;
	for (const row of rows) if (row.count >= checks.find(([key]) => key === row.key)![1].max) wait = Math.max(wait, row.wait);
	return wait;
}

/** Counts a failed attempt against each key (see overLimit). */
export async function countFailures(db: Sql, checks: [string, Limit][]): Promise<void> {
	await takeAttempt(db, checks);
}

/** Gives back the attempt counted against each key (it was no failure). */
export async function forgiveAttempt(db: Sql, keys: string[]): Promise<void> {
	await db.query('update rate_limit set count = count - 1 where key = any($1::text[]) and count > 0 and window_ends_at > now()', [keys]);
}

/** Forgets a key's attempts (the right password for that phone was given). */
export async function clearAttempts(db: Sql, key: string): Promise<void> {
	await db.query('delete from rate_limit where key = $1', [key]);
}
