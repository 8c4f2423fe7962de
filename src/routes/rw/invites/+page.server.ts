import { listInvites } from '$lib/server/auth/invites';
import { createInviteAction, revokeInviteAction } from '$lib/web/invite-actions.server';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [rts, invites] = await Promise.all([locals.db.run(listRtSummaries), locals.db.run(listInvites)]);
	return { rts: rts.map(({ id, name }) => ({ id, name })), invites, now: Date.now() };
};

export const actions: Actions = { invite: createInviteAction, revoke: revokeInviteAction };
