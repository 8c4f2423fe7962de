import { randomBytes } from 'node:crypto';
import type { Database } from '../db';
import type { PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { analyzeRegistry, commitRows, type RawRow, type RowError } from './registration';

export interface ImportJob {
	owner: string;
	/**
	 * `refused`: rows have errors (listed), nothing written. `failed`: the server
	 * failed (logged here; the user gets a general message, no internal detail).
	 */
	status: 'running' | 'done' | 'refused' | 'failed';
	done: number;
	total: number;
	residents?: number;
	households?: number;
	errors?: RowError[];
	finishedAt?: number;
	/** Settles once the job has ended and its clean-up ran. */
	ended: Promise<void>;
}

/**
 * Running imports, by an unguessable token. Progress lives in this process (the
 * instance that runs the import); the outcome is in the database and audit log.
 */
const jobs = new Map<string, ImportJob>();

/**
 * Starts an import in the background. `onDone` runs only when the rows were written
 * (it deletes the upload): after a refusal or a failure the upload stays, so the user
 * can check again or retry without uploading it again.
 */
export function startImportJob(db: Database, keys: PiiKeys, user: SessionUser, rows: RawRow[], onDone: () => Promise<void>): string {
	for (const [token, job] of jobs) if (job.finishedAt && Date.now() - job.finishedAt > 3600_000) jobs.delete(token);
	const token = randomBytes(16).toString('base64url');
	const job: ImportJob = { owner: user.id, status: 'running', done: 0, total: rows.length, ended: Promise.resolve() };
	jobs.set(token, job);
	job.ended = commitRows(db, keys, user, rows, (done) => {
		job.done = done;
	})
		.then(
			async (result) => {
				if (!result.ok) {
					Object.assign(job, { status: 'refused', errors: result.errors.slice(0, 200) });
					return;
				}
				Object.assign(job, { status: 'done', residents: result.residents, households: result.households, done: job.total });
				// Keep the planner's statistics true after a bulk load (no autovacuum on PGlite).
				void analyzeRegistry(db).catch((err: unknown) => console.error('analyze failed', err));
				await onDone().catch((err: unknown) => console.error('import clean-up failed', err));
			},
			(err: unknown) => {
				console.error('registry import failed', err);
				Object.assign(job, { status: 'failed', errors: [] });
			}
		)
		.finally(() => {
			job.finishedAt = Date.now();
		});
	return token;
}

export function getImportJob(token: string): ImportJob | null {
	return jobs.get(token) ?? null;
}
