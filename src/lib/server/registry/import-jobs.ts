import { randomBytes } from 'node:crypto';
import type { Database } from '../db';
import type { PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { commitRows, type RawRow, type RowError } from './import';

export interface ImportJob {
	owner: string;
	status: 'running' | 'done' | 'failed';
	done: number;
	total: number;
	residents?: number;
	households?: number;
	errors?: RowError[];
	finishedAt?: number;
}

/**
 * Running imports, by an unguessable token. Progress lives in this process (the
 * instance that runs the import); the outcome is in the database and audit log.
 */
const jobs = new Map<string, ImportJob>();

export function startImportJob(db: Database, keys: PiiKeys, user: SessionUser, rows: RawRow[], onEnd: () => Promise<void>): string {
	for (const [token, job] of jobs) if (job.finishedAt && Date.now() - job.finishedAt > 3600_000) jobs.delete(token);
	const token = randomBytes(16).toString('base64url');
	const job: ImportJob = { owner: user.id, status: 'running', done: 0, total: rows.length };
	jobs.set(token, job);
	commitRows(db, keys, user, rows, (done) => {
		job.done = done;
	})
		.then((result) => {
			if (result.ok) {
				Object.assign(job, { status: 'done', residents: result.residents, households: result.households, done: job.total });
				// Keep the planner's statistics true after a bulk load (no autovacuum on PGlite).
				void db.exec('analyze resident, household, house').catch((err: unknown) => console.error('analyze failed', err));
			}
			else Object.assign(job, { status: 'failed', errors: result.errors.slice(0, 200) });
		})
		.catch((err: unknown) => {
			console.error('registry import failed', err);
			Object.assign(job, { status: 'failed', errors: [] });
		})
		.finally(() => {
			job.finishedAt = Date.now();
			onEnd().catch((err: unknown) => console.error('import clean-up failed', err));
		});
	return token;
}

export function getImportJob(token: string): ImportJob | null {
	return jobs.get(token) ?? null;
}
