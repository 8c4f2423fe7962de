// XLSX exports written in a worker thread (the main thread's side:
// spreadsheet-client.ts). Runs its loop only when loaded as a worker thread's main
// module with `workerData.rukunSpreadsheetWorker`; imported elsewhere it only tells
// where it is, so the built app finds its own copy (as pdf-worker.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { jobError } from '../workers/job';
import { runInBackground, thisThread, type WorkerThread } from '../workers/priority';

export const spreadsheetWorkerModuleUrl = import.meta.url;

export type Cell = string | number | null;
/** The rows a page at a time, then the sheet's name and headers: the file comes back. */
export type SpreadsheetRequest = { kind: 'rows'; rows: Cell[][] } | { kind: 'write'; sheetName: string; headers: string[] };
export type SpreadsheetReply = { kind: 'written'; bytes: Uint8Array; thread: WorkerThread };

const port = parentPort;
if (!isMainThread && port && (workerData as { rukunSpreadsheetWorker?: boolean } | null)?.rukunSpreadsheetWorker) {
	runInBackground();
	const spreadsheet = import('./spreadsheet');
	const rows: Cell[][] = [];
	port.on('message', (request: SpreadsheetRequest) => {
		if (request.kind === 'rows') {
			rows.push(...request.rows);
			return;
		}
		spreadsheet
			.then(({ writeXlsxHere }) => writeXlsxHere(request.sheetName, request.headers, rows))
			// The file's own buffer (writeXlsxHere copies the chunks into a new one), moved, not copied.
			.then((bytes) => port.postMessage({ kind: 'written', bytes, thread: thisThread() } satisfies SpreadsheetReply, [bytes.buffer as ArrayBuffer]))
			.catch((err: unknown) => port.postMessage(jobError(err)));
	});
}
