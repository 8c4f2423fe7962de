// A large sheet's rows are checked and sealed in a worker thread: parsing every field,
// the NIK's checks, the blind indexes and the encryption of 10,000 rows are seconds of
// CPU, and on the main thread they kept the MQTT broker from reading the sensors'
// sockets (event-loop stalls of 0.3–1.2 s under bench:ingest's admin load;
// docs/architecture.md, "Threads"). One worker per check, stopped when it is done:
// an import is rare, and a worker at rest would cost memory.
import type { Actor } from '../../domain/permissions';
import type { PiiKeys } from '../crypto/pii';
import { WorkerJob } from '../workers/job';
import { thisThread, type WorkerThread } from '../workers/priority';
import { checkRows, type LocalCheck, type RawRow } from './row-check';
import type { RowCheckReply, RowCheckRequest } from './row-check-worker';

/** From this many rows a sheet is checked in the worker; fewer (the add form, a small sheet) cost less than starting it. */
export const OFF_THREAD_ROWS = 100;

/**
 * Rows per message, each way: a message is copied (structured clone) by the thread
 * that sends it and the one that reads it, synchronously, so each is kept to about a
 * millisecond of the main thread's time.
 */
const PAGE_ROWS = 200;

/** `checkRows`, in a worker thread; `thread`: the thread that checked and its priority (tests). */
async function checkRowsOffThread(
	keys: PiiKeys,
	user: Actor,
	rts: { id: string; number: number }[],
	raw: RawRow[],
	seal: boolean
): Promise<LocalCheck & { thread: WorkerThread }> {
	const { rowCheckWorkerModuleUrl } = await import('./row-check-worker');
	const job = new WorkerJob<RowCheckRequest, RowCheckReply>('registry row check', rowCheckWorkerModuleUrl, { rukunRowCheckWorker: true });
	try {
		await job.postPages(raw, PAGE_ROWS, (rows) => ({ kind: 'rows', rows }));
		// Only what the checks use crosses to the worker (the user's permissions, not their session).
		const actor: Actor = { rwId: user.rwId, roles: [...user.roles], headOfRtIds: [...user.headOfRtIds] };
		const checked = await job.ask({ kind: 'check', keys, user: actor, rts, seal, pageRows: PAGE_ROWS }, 'checked');
		const result: LocalCheck = { valid: [], errors: [], nikHashes: [], kkHashes: [] };
		for (let page = 0; page < checked.pages; page++) {
			const { part } = await job.ask({ kind: 'page', page }, 'page');
			for (const key of ['valid', 'errors', 'nikHashes', 'kkHashes'] as const) (result[key] as unknown[]).push(...part[key]);
		}
		return { ...result, thread: checked.thread };
	} finally {
		job.close();
	}
}

/** `checkRows` (same arguments) where it costs the main thread least: in the worker from `OFF_THREAD_ROWS` rows, else here. */
export async function checkSheet(...args: Parameters<typeof checkRows>): Promise<LocalCheck & { thread: WorkerThread }> {
	const raw = args[3];
	if (raw.length >= OFF_THREAD_ROWS) return checkRowsOffThread(...args);
	return { ...checkRows(...args), thread: thisThread() };
}
