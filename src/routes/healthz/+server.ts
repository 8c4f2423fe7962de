import { json } from '@sveltejs/kit';
import { checkHealth } from '$lib/server/health';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** 200 when the database and the broker are up, 503 otherwise. */
export const GET: RequestHandler = async () => {
	const health = await checkHealth(getRuntime());
	return json(health, { status: health.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
};
