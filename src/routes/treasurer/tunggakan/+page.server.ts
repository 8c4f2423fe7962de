import { pageParam } from '$lib/domain/dues';
import { BEHIND_PAGE, housesBehind } from '$lib/server/dues/views';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const page = pageParam(url.searchParams.get('hal'));
	const { houses, total } = await locals.db.run(housesBehind, page);
	return { page, houses, total, hasNext: page * BEHIND_PAGE < total };
};
