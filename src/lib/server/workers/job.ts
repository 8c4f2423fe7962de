// One piece of CPU-heavy work in a worker thread of its own, asked for in messages
// the main thread can afford: its input sent a page per event-loop turn, its answers
// asked for one at a time (messages that arrive together are all read, and copied,
// in one turn of the main thread). Used by the registry import's row checks and the
// XLSX exports (docs/architecture.md, "Threads"). The worker is stopped by `close`.
import type { Worker } from 'node:worker_threads';
import { startWorker } from './start';

/** Every reply may instead be an error (its stack as text). */
export type JobError = { kind: 'error'; error: string };

export class WorkerJob<Request, Reply extends { kind: string }> {
	private readonly worker: Worker;
	private waiting: { resolve: (reply: Reply) => void; reject: (err: Error) => void } | null = null;
	private failed: Error | null = null;

	constructor(
		private readonly name: string,
		moduleUrl: string,
		workerData: unknown
	) {
		this.worker = startWorker(moduleUrl, workerData);
		this.worker.on('message', (reply: Reply | JobError) => {
			if (reply.kind === 'error') this.fail(new Error(`${name}: ${(reply as JobError).error}`));
			else this.waiting?.resolve(reply as Reply);
		});
		this.worker.on('error', (err) => this.fail(err));
		this.worker.on('exit', (code) => this.fail(new Error(`${name}: the worker exited (${code})`)));
	}

	private fail(err: Error) {
		this.failed ??= err;
		this.waiting?.reject(this.failed);
	}

	/** Sends without waiting for an answer. */
	post(request: Request): void {
		this.worker.postMessage(request);
	}

	/** Sends `items` in pages of `pageSize`, one page per event-loop turn. */
	async postPages<T>(items: T[], pageSize: number, message: (page: T[]) => Request): Promise<void> {
		for (let i = 0; i < items.length; i += pageSize) {
			if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
			this.post(message(items.slice(i, i + pageSize)));
		}
	}

	/** Sends `request` and waits for the worker's answer, of the kind expected. */
	ask<K extends Reply['kind']>(request: Request, kind: K): Promise<Extract<Reply, { kind: K }>> {
		return new Promise<Reply>((resolve, reject) => {
			if (this.failed) return reject(this.failed);
			this.waiting = { resolve, reject };
			this.post(request);
		}).then((reply) => {
			if (reply.kind !== kind) throw new Error(`${this.name}: ${reply.kind} where ${kind} was expected`);
			return reply as Extract<Reply, { kind: K }>;
		});
	}

	close(): void {
		this.waiting = null;
		void this.worker.terminate();
	}
}

/** The worker's side: what to post when its work throws. */
export const jobError = (err: unknown): JobError => ({ kind: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
