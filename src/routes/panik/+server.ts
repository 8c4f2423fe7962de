import { json } from '@sveltejs/kit';
import { pressSchema } from '$lib/schemas/panic';
import { latestOwnIncident } from '$lib/server/panic/queries';
import { getRuntime } from '$lib/server/runtime';
import { readJson, refuseJson } from '$lib/web/panic/json.server';
import type { RequestHandler } from './$types';

/**
 * A press from the phone (JSON). Answered only after the incident is stored; the
 * phone retries with the same key until it gets 200/201 (docs/panic.md).
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const user = locals.db.user;
	const parsed = pressSchema.safeParse(await readJson(request));
	if (!parsed.success) {
		const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));
		return refuseJson(400, 'panic.error_form', { errors });
	}
	const result = await getRuntime().panic.press(user, parsed.data);
	if (result.ok) return json({ ok: true, id: result.id }, { status: result.created ? 201 : 200, headers: { 'cache-control': 'no-store' } });
	if (result.reason === 'rate_limited') return refuseJson(429, 'panic.rate_limited', { retryAfter: result.retryAfter }, { 'retry-after': String(result.retryAfter) });
	return refuseJson(403, 'errors.forbidden');
};

/** The resident's current press (their home shows its state), or null. */
export const GET: RequestHandler = async ({ locals }) => {
	return json({ incident: await latestOwnIncident(getRuntime().db, locals.db.claims) }, { headers: { 'cache-control': 'private, no-store' } });
};
