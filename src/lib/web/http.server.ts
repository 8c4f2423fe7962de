import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/auth/sessions';

/** The peer address (adapter-node: the socket, or ADDRESS_HEADER behind a proxy). */
export function clientIp(event: RequestEvent): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}

export function setSessionCookie(cookies: Cookies, url: URL, token: string, expires: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires
	});
}
