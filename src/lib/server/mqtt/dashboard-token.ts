import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './acl';

/**
 * Short-lived tokens that let a browser dashboard connect over /mqtt: signed
 * (HMAC-SHA256) claims of user, RW and expiry, minted from a verified session. The
 * token is checked at connect, and the broker closes the connection when it expires
 * (broker.ts): the page has fetched a new one by then, reconnects and catches up.
 */
export function mintDashboardToken(key: Buffer, claims: { userId: string; rwCode: string; rwId: string }, ttlSeconds = 600): string {
	const body = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + ttlSeconds })).toString('base64url');
	return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

export function verifyDashboardToken(key: Buffer, token: string): Extract<Principal, { kind: 'dashboard' }> | null {
	const [body, mac] = token.split('.');
	if (!body || !mac) return null;
	const expected = createHmac('sha256', key).update(body).digest();
	const given = Buffer.from(mac, 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
	try {
		const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { userId: string; rwCode: string; rwId: string; exp: number };
		if (typeof claims.exp !== 'number' || claims.exp < Date.now() / 1000) return null;
		return { kind: 'dashboard', userId: claims.userId, rwCode: claims.rwCode, rwId: claims.rwId, expiresAt: claims.exp * 1000 };
	} catch {
		return null;
	}
}
