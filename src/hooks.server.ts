import { error, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { mayAnywhere } from '$lib/domain/permissions';
import { requiredAction } from '$lib/domain/roles';
import { isLocale, LOCALE_COOKIE, translate } from '$lib/i18n';
import { loadConfig } from '$lib/server/config';
import { bootHttpServer, getRuntime, hasRuntime, setRuntime, startRuntime } from '$lib/server/runtime';
import { readSession, SESSION_COOKIE } from '$lib/server/auth/sessions';
import { SECURITY_HEADERS, sendSecurityHeaders } from '$lib/server/security-headers';
import { NO_USER_DB, userDb } from '$lib/server/db/user-db';
import { allowTileOrigin, hasMap, tileOrigin } from '$lib/server/map-tiles';

/**
 * Starts the runtime (database, migrations, demo seed, broker) once per process.
 * The server entry (scripts/start.js) leaves its HTTP server in a global slot so
 * MQTT over WebSocket shares it; under `vite dev` there is none (MQTT on TCP only).
 */
export const init: ServerInit = async () => {
	if (building || hasRuntime()) return;
	const httpServer = bootHttpServer();
	if (httpServer) sendSecurityHeaders(httpServer);
	setRuntime(await startRuntime(loadConfig(), { httpServer }));
};

/** Session cookie → locals.user, verified against the database on every request, and locals.db bound to it. */
const handleSession: Handle = async ({ event, resolve }) => {
	if (building) {
		// Prerendering (the offline page): no runtime, no user.
		event.locals.user = null;
		event.locals.db = NO_USER_DB;
		event.locals.locale = 'id';
		return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', 'id') });
	}
	const { db, config } = getRuntime();
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.user = token ? await readSession(db, token, config.sessionDays) : null;
	if (token && !event.locals.user) event.cookies.delete(SESSION_COOKIE, { path: '/' });
	event.locals.db = event.locals.user ? userDb(db, event.locals.user) : NO_USER_DB;
	const lang = event.cookies.get(LOCALE_COOKIE);
	event.locals.locale = isLocale(lang) ? lang : 'id';
	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.locale)
	});
};

/** Role areas: no login → login page; login without the role → 403 (roles and their areas: src/lib/domain/roles.ts, docs/domain.md "People and roles"). */
const handleGuard: Handle = async ({ event, resolve }) => {
	const needs = requiredAction(event.url.pathname);
	if (needs === null) return resolve(event);
	const user = event.locals.user;
	// Errors thrown here are shown by src/error.html, so the message is translated now.
	const denied = translate(event.locals.locale, 'error.403');
	if (!user) {
		if (event.request.method !== 'GET') error(401, { message: denied, key: 'error.403' });
		redirect(303, `/login?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
	}
	if (needs !== 'member' && !mayAnywhere(user, needs)) {
		error(403, { message: denied, key: 'error.403' });
	}
	return resolve(event);
};

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * A form field holding a NUL character is refused with a 400 before any action reads
 * it: no one types one, and PostgreSQL refuses it in text, so it would end as a 500
 * wherever a field reaches the database. Files in a multipart form may hold any byte.
 */
const handleFormText: Handle = async ({ event, resolve }) => {
	const type = event.request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
	if (event.request.method === 'POST' && FORM_TYPES.includes(type)) {
		const form = await event.request.clone().formData().catch(() => null);
		for (const [, value] of form ?? []) {
			if (typeof value === 'string' && value.includes('\u0000')) {
				error(400, { message: translate(event.locals.locale, 'error.400_nul'), key: 'error.400_nul' });
			}
		}
	}
	return resolve(event);
};

/**
 * Headers beyond the CSP that svelte.config.js sets. The server sets them on every
 * answer before the hooks run (`sendSecurityHeaders` in `init`); they are set here as
 * well for a server without that entry (`vite dev`).
 */
const handleHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const headers = response.headers;
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
	if (event.locals.user && !headers.has('Cache-Control')) headers.set('Cache-Control', 'private, no-store');
	// Pages with a map load tiles from MAP_TILE_URL, which may be a LAN server.
	const csp = headers.get('content-security-policy');
	if (csp && !building && hasMap(event.url.pathname)) {
		headers.set('content-security-policy', allowTileOrigin(csp, tileOrigin(getRuntime().config.mapTileUrl)));
	}
	return response;
};

export const handle = sequence(handleSession, handleGuard, handleFormText, handleHeaders);

export const handleError: HandleServerError = ({ error: err, event, status }) => {
	if (status !== 404) console.error(`[${event.request.method} ${event.url.pathname}]`, err);
	return { message: status === 404 ? 'Not found' : 'Internal error', key: status === 404 ? 'error.404' : 'error.500' };
};
