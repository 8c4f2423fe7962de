import { error } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { photoFile } from '$lib/server/complaints/service';
import type { RequestHandler } from './$types';

/** A complaint photo (?thumb for the small one) for whoever may see the complaint. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const { db, files } = getRuntime();
	const file = await photoFile(db, files, locals.db.user, params.id, url.searchParams.has('thumb'));
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
		headers: { 'content-type': file.contentType, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' }
	});
};
