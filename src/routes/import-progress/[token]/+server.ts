import { json } from '@sveltejs/kit';
import { getImportJob } from '$lib/server/registry/import-jobs';
import type { RequestHandler } from './$types';

/**
 * Progress of a running import, by its unguessable token. Outside the registry
 * area and without a session lookup: on PGlite the import's transaction holds the
 * database, and progress must still answer (see hooks.server.ts).
 */
export const GET: RequestHandler = ({ params }) => {
	const job = getImportJob(params.token);
	if (!job) return json({ error: 'not found' }, { status: 404 });
	const { status, done, total, residents, households, errors } = job;
	return json({ status, done, total, residents, households, errors }, { headers: { 'Cache-Control': 'no-store' } });
};
