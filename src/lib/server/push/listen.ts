import postgres from 'postgres';
import { PUSH_CHANNEL } from './wake';

/**
 * On PostgreSQL, wakes this instance's sender when any instance commits notification
 * rows (notify() sends `pg_notify` in the writing transaction, delivered at commit).
 * Its own connection; a reconnect wakes it too (what was announced meanwhile is
 * found by the claim).
 */
export async function listenForPush(url: string, wake: () => void): Promise<{ close(): Promise<void> }> {
	const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
	try {
		await sql.listen(PUSH_CHANNEL, () => wake(), () => wake());
	} catch (err) {
		await sql.end({ timeout: 1 });
		throw err;
	}
	return { close: () => sql.end({ timeout: 2 }) };
}
