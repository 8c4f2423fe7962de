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
