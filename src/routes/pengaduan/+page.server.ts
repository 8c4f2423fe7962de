import { mayAnywhere } from '$lib/domain/permissions';
import { getRuntime } from '$lib/server/runtime';
import { listMine, listPublic } from '$lib/server/complaints/service';
import { housePoints } from '$lib/server/complaints/service';
import { withUser } from '$lib/server/db';
import type { PageServerLoad } from './$types';

/** The RW's public complaints (no personal data) on a list and a map, and the member's own. */
export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.db.user;
	const { db, config } = getRuntime();
	const [items, mine, houses] = await Promise.all([
		listPublic(db, user),
		listMine(db, user),
		withUser(db, locals.db.claims, (tx) => housePoints(tx, user.rwId!))
	]);
	return { items, mine, houses, tileUrl: config.mapTileUrl, staff: mayAnywhere(user, 'complaints.manage') };
};
