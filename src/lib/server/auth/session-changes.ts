import postgres from 'postgres';
import { SESSION_CHANNEL, type SessionCache } from './sessions';

export interface SessionChanges {
	close(): Promise<void>;
}

/**
 * Makes a logout, a role change or a disabled account reach this instance at once on
 * PostgreSQL: LISTEN on the channel the database's triggers notify, and forget the
 * named user's cached sessions. The listening connection is its own (postgres.js
 * re-listens after a reconnect); what was announced while it was away is unknown, so
 * every (re)connect forgets the whole cache. `onChange` lets a caller see each one.
 */
export async function listenForSessionChanges(
	url: string,
	cache: SessionCache,
	options: { onChange?: (userId: string) => void } = {}
): Promise<SessionChanges> {
	const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
	try {
		await sql.listen(
			SESSION_CHANNEL,
			(userId) => {
				cache.forgetUser(userId);
				options.onChange?.(userId);
			},
			() => cache.clear()
		);
	} catch (err) {
		await sql.end({ timeout: 1 });
		throw err;
	}
	return { close: () => sql.end({ timeout: 2 }) };
}
