import type { RequestEvent } from '@sveltejs/kit';
import { idSchema, inviteSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { createInvite, revokeInvite } from '$lib/server/auth/invites';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';

/** Form actions shared by /rt and /rw/invites: create and revoke invites. */
export async function createInviteAction(event: RequestEvent) {
	const user = event.locals.user;
	if (!user) return refuse(401, { message: 'errors.forbidden' });
	const parsed = parseForm(inviteSchema, await event.request.formData());
	if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
	const result = await createInvite(getRuntime().db, user, parsed.data);
	if (!result.ok) {
		return refuse(result.reason === 'forbidden' ? 403 : 400, { message: result.reason === 'forbidden' ? 'errors.forbidden' : 'invite.needs_rt' });
	}
	return { created: { code: result.code, expiresAt: result.expiresAt.toISOString(), role: parsed.data.role } };
}

export async function revokeInviteAction(event: RequestEvent) {
	const user = event.locals.user;
	if (!user) return refuse(401, { message: 'errors.forbidden' });
	const parsed = parseForm(idSchema, await event.request.formData());
	if (!parsed.ok) return refuse(400, { message: 'errors.invalid_choice' });
	const revoked = await revokeInvite(getRuntime().db, user, parsed.data.id);
	return revoked ? { revoked: true } : refuse(404, { message: 'errors.invalid_choice' });
}
