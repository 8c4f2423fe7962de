import { error } from '@sveltejs/kit';
import { readProofImage } from '$lib/server/dues/proofs';
import { storedFileResponse } from '$lib/server/http';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** A payment proof's photo, for the treasurer and the house's residents (RLS). */
export const GET: RequestHandler = async ({ locals, params }) => {
	const file = await locals.db.run(readProofImage, getRuntime().files, params.id);
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(file.bytes, file.contentType);
};
