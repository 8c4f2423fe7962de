// Workers that do an administrator's long work (registry row checks, XLSX exports,
// letter PDFs) run at a lower CPU priority than the main thread, which reads every
// sensor's socket and sends alarms, and the database worker. On a 2-core machine they
// otherwise take an equal share of a core from those two while readings wait
// (docs/architecture.md, "Threads"). On Linux the nice value is a property of each
// thread, so lowering it here leaves the rest of the process as it was.
import os from 'node:os';
import { threadId } from 'node:worker_threads';

/** The nice value of a background worker: it gets about a tenth of a contended core against a thread at 0. */
export const BACKGROUND_NICE = 10;

/** Which thread this is and its CPU priority (nice): what a worker reports about where work ran. */
export interface WorkerThread {
	threadId: number;
	nice: number;
}

export const thisThread = (): WorkerThread => ({ threadId, nice: os.getPriority() });

/**
 * Lowers the calling thread's priority to BACKGROUND_NICE (never raises it). Where the
 * system refuses, the thread keeps the process's priority: slower to yield, not wrong.
 */
export function runInBackground(): void {
	try {
		if (os.getPriority() < BACKGROUND_NICE) os.setPriority(BACKGROUND_NICE);
	} catch {
		// Not permitted here (e.g. a platform without per-thread priorities).
	}
}
