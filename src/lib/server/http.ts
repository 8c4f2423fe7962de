import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { SESSION_COOKIE } from './auth/sessions';

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

/** Only same-site relative paths may be redirect targets (no open redirects). */
export function safeNext(next: string | null | undefined, fallback: string): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	return next;
}

export const minutesFrom = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));
