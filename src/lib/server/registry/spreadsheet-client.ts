// A large XLSX export is written in a worker thread (spreadsheet.ts, `writeXlsx`);
// its rows go there a page per event-loop turn and the file comes back without a copy.
import { WorkerJob } from '../workers/job';
import type { WorkerThread } from '../workers/priority';
import type { Cell, SpreadsheetReply, SpreadsheetRequest } from './spreadsheet-worker';

/** Rows per message: copying a page costs the main thread about a millisecond. */
const PAGE_ROWS = 1000;

/** `writeXlsxHere`, in a worker thread of its own; `thread`: the thread that wrote and its priority (tests). */
export async function writeXlsxOffThread(sheetName: string, headers: string[], rows: Cell[][]): Promise<{ bytes: Uint8Array; thread: WorkerThread }> {
	const { spreadsheetWorkerModuleUrl } = await import('./spreadsheet-worker');
	const job = new WorkerJob<SpreadsheetRequest, SpreadsheetReply>('XLSX export', spreadsheetWorkerModuleUrl, { rukunSpreadsheetWorker: true });
	try {
		await job.postPages(rows, PAGE_ROWS, (page) => ({ kind: 'rows', rows: page }));
		const { bytes, thread } = await job.ask({ kind: 'write', sheetName, headers }, 'written');
		return { bytes, thread };
	} finally {
		job.close();
	}
}
