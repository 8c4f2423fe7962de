import { error } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { incidentStream } from '$lib/server/panic/live';
import type { RequestHandler } from './$types';

/** The resident's incident, live (Server-Sent Events): its state now and after every step. */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	const runtime = getRuntime();
	const stream = await incidentStream(runtime.panic, runtime.db, locals.db.claims, params.id, request.signal, runtime.db.kind === 'postgres');
	if (!stream) error(404, { message: 'Not found', key: 'error.404' });
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' }
	});
};
