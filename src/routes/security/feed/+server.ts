import { json } from '@sveltejs/kit';
import { dashboardSnapshot } from '$lib/server/alarms/feed';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** The dashboard's catch-up after a (re)connect and its next broker token (JSON). */
export const GET: RequestHandler = async ({ locals }) => {
	const { pii, broker } = getRuntime();
	return json(await locals.db.run(dashboardSnapshot, pii.tokens, broker.wsPath), { headers: { 'cache-control': 'private, no-store' } });
};
