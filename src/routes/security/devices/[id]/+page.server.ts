import { loadDeviceHistory } from '$lib/server/devices/history';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** A device's health and, for a sensor, its water level over 24 hours and 30 days (from the rollups). */
export const load: PageServerLoad = ({ locals, params }) => loadDeviceHistory(getRuntime().db, locals.user!, params.id);
