import { getRuntime } from '$lib/server/runtime';
import { getPreferences, listDevices, preferencesFromForm, setPreferences, unsubscribe } from '$lib/server/push/subscriptions';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [devices, prefs] = await Promise.all([locals.db.run(listDevices), locals.db.run(getPreferences)]);
	return { vapidPublicKey: getRuntime().push.vapid.publicKey, devices, prefs };
};

export const actions: Actions = {
	prefs: async ({ request, locals }) => {
		const form = await request.formData();
		const parsed = preferencesFromForm(form);
		if (!parsed.success) return refuse(400, { form: 'prefs', message: 'errors.push_prefs' });
		await locals.db.run(setPreferences, parsed.data);
		return { form: 'prefs', done: 'push.prefs.saved' };
	},
	remove: async ({ request, locals }) => {
		const id = String((await request.formData()).get('id') ?? '');
		await locals.db.run(unsubscribe, { id });
		return { form: 'devices', done: 'push.devices.removed' };
	}
};
