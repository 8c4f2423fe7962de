import { error } from '@sveltejs/kit';
import { daily } from '$lib/domain/flood';
import { getDevice } from '$lib/server/devices/devices';
import { levelHistory } from '$lib/server/ingest/retention';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** A device's health and, for a sensor, its water level over 24 hours and 30 days (from the rollups). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const { db } = getRuntime();
	const user = locals.user!;
	const device = await getDevice(db, user, params.id);
	if (!device) error(404, { message: 'Not found', key: 'error.404' });
	if (device.kind !== 'sensor') return { device, day: [], month: [], days: [] };
	const [day, month] = await Promise.all([levelHistory(db, user, device.id, '24h'), levelHistory(db, user, device.id, '30d')]);
	return { device, day, month: month, days: daily(month) };
};
