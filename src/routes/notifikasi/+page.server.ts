import { listNotifications, markAllRead } from '$lib/server/notifications';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ items: await listNotifications(getRuntime().db, locals.user!) });

export const actions: Actions = {
	read: async ({ locals }) => {
		await markAllRead(getRuntime().db, locals.user!);
		return { done: true };
	}
};
