import { pageParam } from '$lib/domain/dues';
import { residentReceipts } from '$lib/server/dues/views';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const page = pageParam(url.searchParams.get('hal'));
	return { page, list: await locals.db.run(residentReceipts, page) };
};
