import { redirect } from '@sveltejs/kit';
import { isLocale, LOCALE_COOKIE } from '$lib/i18n';
import { safeNext } from '$lib/server/safe-next';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const to = form.get('to');
		if (isLocale(to)) {
			cookies.set(LOCALE_COOKIE, to, {
				path: '/',
				httpOnly: false,
				sameSite: 'lax',
				secure: url.protocol === 'https:',
				maxAge: 365 * 24 * 3600
			});
		}
		const back = form.get('back');
		redirect(303, safeNext(typeof back === 'string' ? back : null, '/'));
	}
};
