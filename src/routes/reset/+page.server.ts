import { fail, redirect } from '@sveltejs/kit';
import { resetSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { resetPassword } from '$lib/server/auth/password-reset';
import { minutesFrom } from '$lib/server/http';
import { clientIp } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async (event) => {
		const parsed = parseForm(resetSchema, await event.request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const result = await resetPassword(getRuntime().db, { ...parsed.data, ip: clientIp(event) });
		const values = { phone: parsed.data.phone, code: parsed.data.code };
		if (!result.ok && result.reason === 'locked') {
			return fail(429, { values, message: 'login.locked', minutes: minutesFrom(result.retryAfterSeconds) });
		}
		if (!result.ok) return fail(400, { values, errors: { code: 'reset.invalid_code' } as Record<string, string> });
		redirect(303, '/login?reset=1');
	}
};
