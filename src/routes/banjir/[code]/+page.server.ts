import { error } from '@sveltejs/kit';
import { publicRwLevels } from '$lib/server/devices/public-levels';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The public flood page of one RW, by its code (`/banjir/RW012`). */
export const load: PageServerLoad = async ({ params }) => {
	if (!/^[A-Za-z0-9-]{1,40}$/.test(params.code)) error(404, { message: 'Not found', key: 'error.404' });
	const levels = await publicRwLevels(getRuntime().db, params.code);
	if (!levels) error(404, { message: 'Not found', key: 'error.404' });
	return { kind: 'levels' as const, ...levels };
};
