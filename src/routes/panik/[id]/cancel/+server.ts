import { json } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { refuseJson } from '$lib/web/panic/json.server';
import type { RequestHandler } from './$types';

/** The resident takes back a press within 10 seconds (the incident stays, cancelled). */
export const POST: RequestHandler = async ({ locals, params }) => {
	const result = await getRuntime().panic.move(locals.db.user, params.id, 'cancel', { note: null });
	if (result.ok) return json({ ok: true, state: result.state });
	if (result.reason === 'not_found') return refuseJson(404, 'panic.not_found');
	if (result.reason === 'cancel_window') return refuseJson(409, 'panic.cancel_too_late');
	if (result.reason === 'not_reporter' || result.reason === 'forbidden') return refuseJson(403, 'errors.forbidden');
	return refuseJson(409, 'panic.already_handled');
};
