import { listInvites } from '$lib/server/auth/invites';
import { createInviteAction, revokeInviteAction } from '$lib/web/invite-actions.server';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const [rts, invites] = await Promise.all([listRtSummaries(db, locals.user!), listInvites(db, locals.user!)]);
	return { rts: rts.map(({ id, name }) => ({ id, name })), invites, now: Date.now() };
};

export const actions: Actions = { invite: createInviteAction, revoke: revokeInviteAction };
