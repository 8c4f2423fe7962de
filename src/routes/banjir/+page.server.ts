import { publicRwChoices, publicRwLevels } from '$lib/server/devices/public-levels';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The public flood page (no login, no personal data): the RW's sensors when there is one RW, else a chooser. */
export const load: PageServerLoad = async () => {
	const { db } = getRuntime();
	const levels = await publicRwLevels(db, null);
	return levels ? { kind: 'levels' as const, ...levels } : { kind: 'choose' as const, rws: await publicRwChoices(db) };
};
