// Who uses the one database session next (PGlite in its worker thread). Runs in the
// worker thread only.
import type { Priority } from './worker-protocol';

/**
 * One session, taken in turn. While it is taken, requests wait in two queues; when it
 * frees, a waiting realtime request (the ingest path: a batch of readings whose PUBACKs
 * wait for it, a panic) goes before every waiting normal one (pages, imports, letters).
 * Within a queue the order is arrival. A transaction holds the session from BEGIN to
 * its end, so long administrative work written as a sequence of short transactions
 * lets realtime work in between each two of them. Normal work is not starved: the
 * ingest writes one batch of readings and one of panics at a time (group-commit.ts),
 * so at most a few realtime requests go before it each time the session frees.
 */
export function sessionGate() {
	let taken = false;
	const waiting: Record<Priority, (() => void)[]> = { realtime: [], normal: [] };
	const handOn = () => {
		const next = waiting.realtime.shift() ?? waiting.normal.shift();
		if (next) next();
		else taken = false;
	};
	/** Resolves with the release function once the session is the caller's; release once. */
	const acquire = (priority: Priority): Promise<() => void> => {
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			handOn();
		};
		if (!taken) {
			taken = true;
			return Promise.resolve(release);
		}
		return new Promise((resolve) => waiting[priority].push(() => resolve(release)));
	};
	return {
		acquire,
		/** Runs fn holding the session. */
		async run<T>(priority: Priority, fn: () => Promise<T>): Promise<T> {
			const release = await acquire(priority);
			try {
				return await fn();
			} finally {
				release();
			}
		}
	};
}
