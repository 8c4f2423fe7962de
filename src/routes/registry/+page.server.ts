import { error } from '@sveltejs/kit';
import { residentFiltersSchema } from '$lib/schemas/registry';
import { searchResidents } from '$lib/server/registry/residents';
import { renderOnly } from '$lib/web/render-only.server';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

export const load: PageServerLoad = async (event) => {
	const user = event.locals.db.user;
	const parsed = residentFiltersSchema.safeParse(Object.fromEntries(event.url.searchParams));
	if (!parsed.success) error(400, { message: 'Bad search', key: 'registry.search_invalid' });
	const filters = parsed.data;
	const { rows, hasNext } = await searchResidents(getRuntime().db, user, filters);
	return { list: renderOnly(event, { filters, rows, hasNext }), isAdmin: may(user, 'audit.read') };
};

/**
 * The list needs no JavaScript: search is a GET form, paging and rows are links.
 * Loaded directly (a bookmark, a search, the next page) it is sent without the client
 * runtime (no script, 6 KB less per page on a cheap phone), which also leaves the
 * server less work per page (`npm run bench:http`, PGlite: 650 -> 753 req/s). Reached
 * from another page of the app, the app navigates to it as usual, through its data.
 * `renderOnly` keeps SvelteKit from serialising the list into HTML that has no script
 * to read it.
 */
export const csr = false;
