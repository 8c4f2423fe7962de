import { error } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { incidentStream } from '$lib/server/panic/live';
import type { RequestHandler } from './$types';

/** The resident's incident, live (Server-Sent Events): its state now and after every step. */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	const stream = await incidentStream(getRuntime().panic, getRuntime().db, locals.db.claims, params.id, request.signal);
	if (!stream) error(404, { message: 'Not found', key: 'error.404' });
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' }
	});
};
