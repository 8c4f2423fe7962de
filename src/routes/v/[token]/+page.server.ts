import { verifyLetter } from '$lib/server/letters/issued';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/**
 * Public verification of an issued letter: the QR code opens this
 * page. It shows only what proves the letter genuine; the NIK stays masked.
 */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
	return { letter: await verifyLetter(getRuntime().db, params.token) };
};
