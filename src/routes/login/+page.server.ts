import { redirect } from '@sveltejs/kit';
import { homeFor } from '$lib/domain/roles';
import { loginSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { login } from '$lib/server/auth/login';
import { readSession, SESSION_COOKIE } from '$lib/server/auth/sessions';
import { minutesFrom } from '$lib/server/http';
import { safeNext } from '$lib/server/safe-next';
import { clientIp, setSessionCookie } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next'), homeFor(locals.user.roles)));
	return { reset: url.searchParams.has('reset') };
};

export const actions: Actions = {
	default: async (event) => {
		const parsed = parseForm(loginSchema, await event.request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const { db, config } = getRuntime();
		const result = await login(db, {
			...parsed.data,
			ip: clientIp(event),
			userAgent: event.request.headers.get('user-agent') ?? '',
			previousToken: event.cookies.get(SESSION_COOKIE),
			sessionDays: config.sessionDays
		});
		const values = { phone: parsed.data.phone };
		if (!result.ok && result.reason === 'locked') {
			return refuse(429, { values, message: 'login.locked' }, { minutes: minutesFrom(result.retryAfterSeconds) });
		}
		if (!result.ok) return refuse(400, { values, message: 'login.invalid' });
		setSessionCookie(event.cookies, event.url, result.token, result.expiresAt);
		const user = await readSession(db, result.token, config.sessionDays);
		redirect(303, safeNext(event.url.searchParams.get('next'), homeFor(user?.roles ?? [])));
	}
};
