import { listQueue } from '$lib/server/letters/requests';
import { listPickups } from '$lib/server/letters/issued';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The RW's letter desk: requests approved by RT heads, recent decisions, and booked pick-ups. */
export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const user = locals.db.user;
	const today = new Date(Date.now() - 12 * 3600_000);
	const [waiting, done, pickups] = await Promise.all([
		listQueue(db, user, 'rw', 'waiting'),
		listQueue(db, user, 'rw', 'done'),
		listPickups(db, user, today)
	]);
	return { waiting, done, pickups };
};
