import { error } from '@sveltejs/kit';
import { readMutationDocument } from '$lib/server/registry/mutation-documents';
import { getRuntime } from '$lib/server/runtime';
import { storedFileResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

/**
 * A mutation's document, for the RT head of its RT or the RW admin (RLS decides; the
 * /registry guard already keeps other roles out). Served inline but sandboxed: the
 * bytes were checked on upload, and this CSP keeps them inert even so.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	if (!locals.user) error(403, { message: 'Forbidden', key: 'error.403' });
	const { db, files } = getRuntime();
	const file = await readMutationDocument(db, files, locals.user, params.id, params.mutation);
	if (!file) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(file.bytes, file.contentType);
};
