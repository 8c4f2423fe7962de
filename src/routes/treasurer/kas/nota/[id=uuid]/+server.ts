import { error } from '@sveltejs/kit';
import { readExpensePhoto } from '$lib/server/dues/book';
import { storedFileResponse } from '$lib/server/http';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** The photo of an expense's note. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const file = await locals.db.run(readExpensePhoto, getRuntime().files, params.id);
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(file.bytes, file.contentType);
};
