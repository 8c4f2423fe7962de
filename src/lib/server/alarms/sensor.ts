import type { LevelPoint } from '$lib/domain/flood';
import type { LevelView } from '$lib/views/alerts';
import type { DeviceRow } from '$lib/views/devices';
import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { getDevice } from '../devices/devices';
import { feedAccess, type FeedAccess } from './feed';
import { latestLevels, sensorHistory } from './queries';

export interface SensorPage {
	device: DeviceRow;
	level: LevelView | null;
	hour: LevelPoint[];
	day: LevelPoint[];
	week: LevelPoint[];
	feed: FeedAccess | null;
}

/** A sensor of the user's RW with its level now and its history (last hour, 24 h, 7 days); null when not a visible sensor. */
export async function sensorPage(db: Database, user: SessionUser, id: string, tokenKey: Buffer, wsPath: string | null): Promise<SensorPage | null> {
	const device = await getDevice(db, user, id);
	if (!device || device.kind !== 'sensor') return null;
	const [levels, hour, day, week] = await Promise.all([
		latestLevels(db, user),
		sensorHistory(db, user, id, 'hour'),
		sensorHistory(db, user, id, 'day'),
		sensorHistory(db, user, id, 'week')
	]);
	return { device, level: levels.find((l) => l.deviceId === id) ?? null, hour, day, week, feed: feedAccess(user, tokenKey, wsPath) };
}
