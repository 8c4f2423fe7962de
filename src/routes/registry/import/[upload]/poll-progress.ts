/** What `/import-progress/[token]` answers about an import job (see import-jobs.ts). */
export interface ImportStatus {
	status: 'running' | 'done' | 'refused' | 'failed';
	done: number;
	total: number;
	residents?: number;
	households?: number;
	errors?: { line: number; field: string; message: string }[];
}
/** `lost`: the server no longer knows the job (it restarted, or the page is old). */
export type Progress = ImportStatus | 'lost';

export interface PollIo {
	fetch: typeof fetch;
	/** Resolves when it is time to ask again. */
	wait: () => Promise<void>;
	stopped: () => boolean;
	update: (progress: Progress) => void;
}

/**
 * Asks for the job's progress until it ends. A 404 will not change by asking again:
 * polling stops and the user is told. A dropped connection or a server error is
 * asked again after `wait`.
 */
export async function pollImportJob(token: string, io: PollIo): Promise<void> {
	while (!io.stopped()) {
		let response: Response | null = null;
		try {
			response = await io.fetch(`/import-progress/${token}`, { cache: 'no-store' });
		} catch (err) {
			if (!(err instanceof TypeError)) throw err; // fetch's network failure: ask again
		}
		if (response?.status === 404) {
			io.update('lost');
			return;
		}
		if (response?.ok) {
			const status = (await response.json()) as ImportStatus;
			io.update(status);
			if (status.status !== 'running') return;
		}
		await io.wait();
	}
}
