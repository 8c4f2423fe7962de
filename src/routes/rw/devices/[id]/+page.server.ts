import { deviceHistory } from '$lib/server/devices/history';
import { orNotFound } from '$lib/web/not-found.server';
import type { PageServerLoad } from './$types';

/** A device's health and, for a sensor, its water level over 24 hours and 30 days (from the rollups). */
export const load: PageServerLoad = async ({ locals, params }) => orNotFound(await locals.db.run(deviceHistory, params.id));
