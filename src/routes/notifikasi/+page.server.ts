import { listNotifications, markAllRead } from '$lib/server/notifications';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ items: await locals.db.run(listNotifications) });

export const actions: Actions = {
	read: async ({ locals }) => {
		await locals.db.run(markAllRead);
		return { done: true };
	}
};
