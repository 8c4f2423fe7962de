import { error } from '@sveltejs/kit';
import { receiptPdf } from '$lib/server/dues/receipt';
import { storedFileResponse } from '$lib/server/http';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** A payment's receipt PDF, for the house's residents and the officers who read dues (RLS). */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const { config } = getRuntime();
	const receipt = await locals.db.run(receiptPdf, params.id, config.origin ?? url.origin);
	if (!receipt) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(receipt.bytes, 'application/pdf', `kuitansi-${receipt.number}.pdf`);
};
