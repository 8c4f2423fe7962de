import { json } from '@sveltejs/kit';
import { may } from '$lib/domain/permissions';
import { stepSchema } from '$lib/schemas/panic';
import { getRuntime } from '$lib/server/runtime';
import { readJson, refuseJson } from '$lib/web/panic/json.server';
import type { MessageKey } from '$lib/i18n/id';
import type { RequestHandler } from './$types';

const REFUSALS: Record<string, [number, MessageKey]> = {
	forbidden: [403, 'errors.forbidden'],
	not_found: [404, 'panic.not_found'],
	illegal: [409, 'panic.already_handled'],
	conflict: [409, 'panic.already_handled'],
	bad_officer: [400, 'panic.error_officer']
};

/** An officer's step on an incident (JSON): acknowledge, dispatch an officer, resolve or false alarm with a note. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	// RT heads may read their RT's incidents here, not act on them.
	if (!may(locals.db.user, 'incidents.handle')) return refuseJson(403, 'errors.forbidden');
	const parsed = stepSchema.safeParse(await readJson(request));
	if (!parsed.success) {
		const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));
		return refuseJson(400, 'panic.error_form', { errors });
	}
	const { move, note, officerId } = parsed.data;
	const result = await getRuntime().panic.move(locals.db.user, params.id, move, { note, officerId });
	if (result.ok) return json({ ok: true, state: result.state });
	const [status, message] = REFUSALS[result.reason] ?? [409, 'panic.already_handled'];
	return refuseJson(status, message);
};
