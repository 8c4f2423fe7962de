import { listInvites } from '$lib/server/auth/invites';
import { createInviteAction, revokeInviteAction } from '$lib/web/invite-actions.server';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { listHouses } from '$lib/server/registry/houses';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.db.user;
	const { db } = getRuntime();
	const rts = (await listRtSummaries(db, user)).filter((rt) => may(user, 'area.rt', { rtId: rt.id }));
	const [houses, invites] = await Promise.all([listHouses(db, user), listInvites(db, user)]);
	return { rts, houses: houses.filter((h) => rts.some((rt) => rt.number === h.rt_number)), invites, now: Date.now() };
};

export const actions: Actions = { invite: createInviteAction, revoke: revokeInviteAction };
