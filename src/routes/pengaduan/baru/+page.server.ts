import { getRuntime } from '$lib/server/runtime';
import { reportContext } from '$lib/server/complaints/service';
import { reportAction } from '$lib/web/complaints/report-action.server';
import type { Actions, PageServerLoad } from './$types';

/** The report form: categories, the RW's houses for the map, the pin's default (the resident's house). */
export const load: PageServerLoad = async ({ locals }) => {
	const { db, config } = getRuntime();
	return { ...(await reportContext(db, locals.db.user)), tileUrl: config.mapTileUrl };
};

export const actions: Actions = { default: reportAction };
