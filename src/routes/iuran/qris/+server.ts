import { error } from '@sveltejs/kit';
import { readQris } from '$lib/server/dues/setup';
import { storedFileResponse } from '$lib/server/http';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** The RW's static QRIS code, as the treasurer uploaded it. */
export const GET: RequestHandler = async ({ locals }) => {
	const file = await locals.db.run(readQris, getRuntime().files);
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(file.bytes, file.contentType);
};
