import { redirect } from '@sveltejs/kit';
import { resetSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { resetPassword } from '$lib/server/auth/password-reset';
import { minutesFrom } from '$lib/server/http';
import { clientIp } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async (event) => {
		const parsed = parseForm(resetSchema, await event.request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const result = await resetPassword(getRuntime().db, { ...parsed.data, ip: clientIp(event) });
		const values = { phone: parsed.data.phone, code: parsed.data.code };
		if (!result.ok && result.reason === 'locked') {
			return refuse(429, { values, message: 'login.locked' }, { minutes: minutesFrom(result.retryAfterSeconds) });
		}
		if (!result.ok) return refuse(400, { values, errors: { code: 'reset.invalid_code' } });
		redirect(303, '/login?reset=1');
	}
};
