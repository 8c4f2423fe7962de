import { error } from '@sveltejs/kit';
import { verifyLetter } from '$lib/server/letters/issued';
import { verifyReceipt } from '$lib/server/dues/receipt';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/**
 * Public verification of an issued letter: the QR code opens this page. It shows only
 * what proves the letter genuine; the NIK stays masked. A code that was never issued
 * is a 404 (so a checker or a crawler cannot take it for a page that exists); this
 * folder's +error.svelte still explains it to the visitor.
 */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
	const letter = await verifyLetter(getRuntime().db, params.token);
	// dues (iuran): a receipt's QR code opens the same page.
	const receipt = letter ? null : await verifyReceipt(getRuntime().db, params.token);
	if (!letter && !receipt) error(404, { message: 'Not found', key: 'verify.not_found' });
	return { letter, receipt };
};
