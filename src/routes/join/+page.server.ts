import { redirect } from '@sveltejs/kit';
import { homeFor } from '$lib/domain/roles';
import { joinSchema } from '$lib/schemas/auth';
import { parseForm } from '$lib/schemas/form';
import { redeemInvite } from '$lib/server/auth/invites';
import { readSession } from '$lib/server/auth/sessions';
import { minutesFrom } from '$lib/server/http';
import { clientIp, setSessionCookie } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ url }) => ({ code: url.searchParams.get('code')?.slice(0, 20) ?? '' });

const FIELD_OF_REASON = {
	invalid_code: ['code', 'join.invalid_code'],
	expired: ['code', 'join.expired'],
	used: ['code', 'join.used'],
	wrong_password: ['password', 'join.wrong_password'],
	already_member: ['code', 'join.already_member']
} as const;

export const actions: Actions = {
	default: async (event) => {
		const parsed = parseForm(joinSchema, await event.request.formData());
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const { db, config } = getRuntime();
		const { code, name, phone, password } = parsed.data;
		const result = await redeemInvite(db, {
			code,
			name,
			phone,
			password,
			ip: clientIp(event),
			userAgent: event.request.headers.get('user-agent') ?? '',
			sessionDays: config.sessionDays
		});
		const values = { code, name, phone };
		if (!result.ok) {
			if (result.reason === 'locked') {
				return refuse(429, { values, message: 'login.locked' }, { minutes: minutesFrom(result.retryAfterSeconds) });
			}
			const [field, key] = FIELD_OF_REASON[result.reason];
			return refuse(400, { values, errors: { [field]: key } });
		}
		const session = await readSession(db, result.token, config.sessionDays);
		setSessionCookie(event.cookies, event.url, result.token, session?.expiresAt ?? new Date(Date.now() + 86400_000));
		redirect(303, homeFor(session?.roles ?? []));
	}
};
