// The letter PDF renderer's worker thread (the main thread's side: pdf-renderer.ts).
// This module runs its loop only when loaded as a worker thread's main module with
// `workerData.rukunPdfWorker`; imported elsewhere it only tells where it is, so the
// built app finds its own copy. Imports are relative (see workers/start.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { LetterPdfInput } from './pdf';
import { runInBackground, thisThread, type WorkerThread } from '../workers/priority';

export const pdfWorkerModuleUrl = import.meta.url;

/** A letter to render, or (`probe`) the question which thread renders and at what priority. */
export type PdfRequest = { id: number; input: LetterPdfInput } | { id: number; probe: true };
export type PdfReply = { id: number; bytes: Uint8Array } | { id: number; error: string } | { id: number; thread: WorkerThread };

const port = parentPort;
if (!isMainThread && port && (workerData as { rukunPdfWorker?: boolean } | null)?.rukunPdfWorker) {
	// Loaded here, not at the top: the main thread imports this module for its URL only,
	// and PDFKit's modules took it ~150 ms to evaluate (bench:ingest, admin load).
	runInBackground();
	const pdf = import('./pdf');
	port.on('message', (request: PdfRequest) => {
		if ('probe' in request) return port.postMessage({ id: request.id, thread: thisThread() } satisfies PdfReply);
		pdf.then(({ renderLetterPdf }) => renderLetterPdf(request.input)).then(
			(bytes) => port.postMessage({ id: request.id, bytes } satisfies PdfReply),
			(err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies PdfReply)
		);
	});
}
