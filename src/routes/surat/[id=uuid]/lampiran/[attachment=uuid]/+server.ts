import { error } from '@sveltejs/kit';
import { readAttachment } from '$lib/server/letters/requests';
import { getRuntime } from '$lib/server/runtime';
import { storedFileResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** An attachment of a request, for its requester, RT head or RW admin (RLS decides). */
export const GET: RequestHandler = async ({ locals, params }) => {
	if (!locals.user) error(403, { message: 'Forbidden', key: 'error.403' });
	const { db, files } = getRuntime();
	const file = await readAttachment(db, files, locals.user, params.id, params.attachment);
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(file.bytes, file.contentType);
};
