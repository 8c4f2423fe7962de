import type { Server as HttpServer } from 'node:http';

/** Headers every answer carries (the pages' CSP comes from svelte.config.js). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'strict-origin-when-cross-origin',
	'X-Frame-Options': 'DENY',
	'Permissions-Policy': 'geolocation=(self), camera=(self), microphone=()',
	'Cross-Origin-Opener-Policy': 'same-origin'
};

/**
 * The policy of answers SvelteKit does not render as a page: its static error page
 * (a 401 or 403 from the guard, an error thrown in a hook), redirects, static files.
 * The pages' own policy (svelte.config.js), without their per-page script nonces.
 */
export const FALLBACK_CSP =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/**
 * Sets the headers on every response of the server before anything answers, so they
 * are there whatever answers: the hooks' own `handleHeaders` cannot reach answers that
 * SvelteKit builds when a hook throws (the guard's 401 and 403, its redirects) or
 * that never reach the hooks (static files, trailing-slash redirects). A header the
 * answer sets itself (a page's CSP, a stored file's sandbox) replaces the default.
 */
export function sendSecurityHeaders(server: HttpServer): void {
	server.prependListener('request', (_req, res) => {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
		res.setHeader('Content-Security-Policy', FALLBACK_CSP);
	});
}
