// The registry import's row checks in a worker thread (the main thread's side:
// row-check-client.ts). This module runs its loop only when loaded as a worker
// thread's main module with `workerData.rukunRowCheckWorker`; imported elsewhere it
// only tells where it is, so the built app finds its own copy (as pdf-worker.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PiiKeys } from '../crypto/pii';
import type { Actor } from '../../domain/permissions';
import type { LocalCheck, RawRow } from './row-check';
import { jobError } from '../workers/job';
import { runInBackground, thisThread, type WorkerThread } from '../workers/priority';

export const rowCheckWorkerModuleUrl = import.meta.url;

/**
 * To the worker: the sheet's rows a page at a time, then what to check them against;
 * then each page of the result in turn, asked for when the main thread has read the
 * one before (messages that arrive together are all read in one event-loop turn).
 */
export type RowCheckRequest =
	| { kind: 'rows'; rows: RawRow[] }
	| { kind: 'check'; keys: PiiKeys; user: Actor; rts: { id: string; number: number }[]; seal: boolean; pageRows: number }
	| { kind: 'page'; page: number };

export type RowCheckReply = { kind: 'checked'; pages: number; thread: WorkerThread } | { kind: 'page'; part: LocalCheck };

const port = parentPort;
if (!isMainThread && port && (workerData as { rukunRowCheckWorker?: boolean } | null)?.rukunRowCheckWorker) {
	runInBackground();
	const checking = import('./row-check');
	const raw: RawRow[] = [];
	let result: LocalCheck | null = null;
	let pageRows = 1;
	const fail = (err: unknown) => port.postMessage(jobError(err));
	port.on('message', (request: RowCheckRequest) => {
		if (request.kind === 'rows') raw.push(...request.rows);
		else if (request.kind === 'check') {
			checking.then(({ checkRows }) => {
				const r = checkRows(request.keys, request.user, request.rts, raw, request.seal);
				result = r;
				pageRows = request.pageRows;
				const pages = Math.max(1, Math.ceil(Math.max(r.valid.length, r.errors.length, r.nikHashes.length, r.kkHashes.length) / pageRows));
				port.postMessage({ kind: 'checked', pages, thread: thisThread() } satisfies RowCheckReply);
			}).catch(fail);
		} else if (result) {
			const from = request.page * pageRows;
			const slice = <T>(a: T[]) => a.slice(from, from + pageRows);
			port.postMessage({
				kind: 'page',
				part: { valid: slice(result.valid), errors: slice(result.errors), nikHashes: slice(result.nikHashes), kkHashes: slice(result.kkHashes) }
			} satisfies RowCheckReply);
		} else fail(new Error('a page asked for before the check'));
	});
}
