// Letter PDFs are rendered in a worker thread: PDFKit lays a letter out synchronously
// (tens of milliseconds of CPU each), and on the main thread a run of letters held up
// the MQTT broker and with it every sensor's acknowledgement (docs/architecture.md,
// "The realtime path"). One worker renders one letter at a time; it is started on the
// first letter and stopped when idle, so it costs no memory at rest.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start';
import type { LetterPdfInput } from './pdf';
import type { WorkerThread } from '../workers/priority';
import type { PdfReply, PdfRequest } from './pdf-worker';

/** A worker with nothing to render for this long is stopped (started again on the next letter). */
const IDLE_MS = 30_000;

let worker: Worker | null = null;
let nextId = 0;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
const pending = new Map<number, { resolve: (reply: PdfReply) => void; reject: (err: Error) => void }>();

async function theWorker(): Promise<Worker> {
	if (worker) return worker;
	// Imported for its URL: in the built app the worker is a chunk of the server bundle.
	const { pdfWorkerModuleUrl } = await import('./pdf-worker');
	if (worker) return worker;
	const w = startWorker(pdfWorkerModuleUrl, { rukunPdfWorker: true });
	w.on('message', (reply: PdfReply) => {
		const waiting = pending.get(reply.id);
		if (!waiting) return;
		pending.delete(reply.id);
		if ('error' in reply) waiting.reject(new Error(`letter PDF: ${reply.error}`));
		else waiting.resolve(reply);
		if (pending.size === 0) idleSoon();
	});
	const fail = (err: Error) => {
		if (worker === w) worker = null;
		for (const waiting of pending.values()) waiting.reject(err);
		pending.clear();
	};
	w.on('error', fail);
	w.on('exit', (code) => fail(new Error(`letter PDF worker exited (${code})`)));
	w.unref();
	worker = w;
	return w;
}

function idleSoon() {
	if (idleTimer) clearTimeout(idleTimer);
	idleTimer = setTimeout(() => {
		idleTimer = null;
		if (pending.size > 0 || !worker) return;
		const w = worker;
		worker = null;
		void w.terminate();
	}, IDLE_MS);
	idleTimer.unref();
}

/** Sends a request to the worker (started if need be) and waits for its reply. */
async function ask(request: Omit<PdfRequest, 'id'>): Promise<PdfReply> {
	const w = await theWorker();
	if (idleTimer) {
		clearTimeout(idleTimer);
		idleTimer = null;
	}
	const id = ++nextId;
	return new Promise((resolve, reject) => {
		pending.set(id, { resolve, reject });
		w.postMessage({ id, ...request } as PdfRequest);
	});
}

/** The same bytes as renderLetterPdf (pdf.ts), rendered off the main thread. */
export async function renderLetterPdfOffThread(input: LetterPdfInput): Promise<Uint8Array> {
	const reply = await ask({ input });
	if (!('bytes' in reply)) throw new Error('letter PDF: the worker answered without a file');
	return new Uint8Array(reply.bytes);
}

/** Which thread renders the letters and at what priority (tests). */
export async function pdfWorkerThread(): Promise<WorkerThread> {
	const reply = await ask({ probe: true });
	if (!('thread' in reply)) throw new Error('letter PDF: the worker did not say which thread it is');
	return reply.thread;
}

/** Stops the worker now (shutdown); a later letter starts it again. */
export async function stopPdfWorker(): Promise<void> {
	if (idleTimer) clearTimeout(idleTimer);
	idleTimer = null;
	const w = worker;
	worker = null;
	if (w) await w.terminate();
}
