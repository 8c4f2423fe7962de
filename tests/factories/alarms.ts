import type { Database } from '../../src/lib/server/db/types';
import type { AlarmType, Severity } from '../../src/lib/views/alerts';

/** A sensor of an RW with thresholds 100 / 150 / 200 cm and a map point, written as the owner. */
export async function makeSensor(db: Database, rwId: string, id: string, options: { rtId?: string | null; lat?: number; lng?: number; name?: string } = {}): Promise<void> {
	await db.query(
		`insert into device (id, rw_id, rt_id, kind, name, lat, lng, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
		 values ($1, $2, $3, 'sensor', $4, $5, $6, 60, 300, 400, 100, 150, 200, 'x')`,
		[id, rwId, options.rtId ?? null, options.name ?? `Sensor ${id}`, options.lat ?? -6.2, options.lng ?? 106.8]
	);
}

/**
 * An alarm as the engine would store it (the owner writes alarms; people only read
 * and acknowledge them). Returns its id.
 */
export async function makeAlarm(
	db: Database,
	rwId: string,
	deviceId: string,
	options: { type?: AlarmType; severity?: Severity; siaga?: number | null; at?: string; clearedAt?: string | null; details?: Record<string, unknown> } = {}
): Promise<string> {
	const at = options.at ?? new Date().toISOString();
	const [row] = await db.query<{ id: string }>(
		`insert into alarm (rw_id, device_id, type, severity, siaga, first_seen_at, last_seen_at, cleared_at, details)
		 values ($1, $2, $3, $4, $5, $6, $6, $7, $8::text::jsonb) returning id`,
		[rwId, deviceId, options.type ?? 'flood_level', options.severity ?? 'major', options.siaga === undefined ? 3 : options.siaga, at, options.clearedAt ?? null, JSON.stringify(options.details ?? {})]
	);
	return row!.id;
}
