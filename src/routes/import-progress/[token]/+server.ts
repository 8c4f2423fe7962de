import { json } from '@sveltejs/kit';
import { getImportJob } from '$lib/server/registry/import-jobs';
import type { RequestHandler } from './$types';

/**
 * Progress of a running import, by its unguessable token, for the user who started
 * it. The session is read as for every page: an import writes in short transactions
 * (registry/registration.ts), so the lookup waits at most for one chunk.
 */
export const GET: RequestHandler = ({ params, locals }) => {
	const job = getImportJob(params.token);
	if (!job || job.owner !== locals.user?.id) return json({ error: 'not found' }, { status: 404 });
	const { status, done, total, residents, households, errors } = job;
	return json({ status, done, total, residents, households, errors }, { headers: { 'Cache-Control': 'no-store' } });
};
