/**
 * The in-process signal from notify() to this process's push senders: rows were
 * written, look now. notify() runs inside its caller's transaction, so the sender's
 * claim may run before the commit: on PGlite it waits for the open transaction (one
 * session); on PostgreSQL the rows' `pg_notify` (sent at commit, to every instance)
 * wakes the senders again, and the periodic sweep catches anything else.
 */
const senders = new Set<() => void>();

export function onPushWake(fn: () => void): () => void {
	senders.add(fn);
	return () => senders.delete(fn);
}

export function wakePushSenders(): void {
	for (const fn of senders) fn();
}

/** The channel notify() announces new rows on (PostgreSQL delivers it at commit). */
export const PUSH_CHANNEL = 'rukun_push';
