import { error } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { announcementImage } from '$lib/server/announcements/service';
import type { RequestHandler } from './$types';

/** An announcement's image, for members who may read the announcement. */
export const GET: RequestHandler = async ({ params, locals }) => {
	const file = await locals.db.run(announcementImage, getRuntime().files, params.id);
	if (!file) error(404, 'Not found');
	return new Response(file.bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': file.contentType, 'cache-control': 'private, max-age=3600' } });
};
