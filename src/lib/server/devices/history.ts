import { error } from '@sveltejs/kit';
import { daily } from '$lib/domain/flood';
import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { levelHistory } from '../ingest/retention';
import { getDevice } from './devices';

/** A device and, for a sensor, its level over 24 hours and 30 days (rollups, under RLS); null when not visible. */
export async function deviceHistory(db: Database, user: SessionUser, id: string) {
	const device = await getDevice(db, user, id);
	if (!device) return null;
	if (device.kind !== 'sensor') return { device, day: [], month: [], days: [] };
	const [day, month] = await Promise.all([levelHistory(db, user, device.id, '24h'), levelHistory(db, user, device.id, '30d')]);
	return { device, day, month, days: daily(month) };
}

/** The device pages' load (RW admin and security post): 404 for a device the user may not see. */
export async function loadDeviceHistory(db: Database, user: SessionUser, id: string) {
	const found = await deviceHistory(db, user, id);
	if (!found) error(404, { message: 'Not found', key: 'error.404' });
	return found;
}
