import { houseMap } from '$lib/server/dues/views';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ houses: await locals.db.run(houseMap), tileUrl: getRuntime().config.mapTileUrl });
