import { heldSiaga, type LevelPoint, type Thresholds } from '$lib/domain/flood';
import { compareAlarms } from '$lib/views/alarm-order';
import type { AlarmDetails, AlarmView, LevelView } from '$lib/views/alerts';
import { listAsUser, queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/**
 * What the security post reads (docs/architecture.md, "Events"): the RW's alarms, each
 * sensor's latest level and a sensor's history, always as the user (RLS: alarms.read,
 * devices.read). The shapes are the ones the broker carries (src/lib/views/alerts.ts),
 * so a reload shows what the live messages showed.
 */

/** Cleared alarms stay on the list this long, so a shift sees what happened in the night. */
export const RECENTLY_CLEARED_HOURS = 12;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The engine's details (camelCase as published, or snake_case as a column comment names them). */
export function detailsOf(raw: Record<string, unknown> | null): AlarmDetails {
	const r = raw ?? {};
	const out: AlarmDetails = {
		levelCm: num(r.levelCm) ?? num(r.level_cm),
		risePer10Min: num(r.risePer10Min) ?? num(r.rise_cm_per_10min),
		nextSiaga: num(r.nextSiaga) ?? num(r.next_siaga),
		etaMinutes: num(r.etaMinutes) ?? num(r.eta_minutes),
		batteryV: num(r.batteryV) ?? num(r.battery_v),
		lastSeenAt: typeof r.lastSeenAt === 'string' ? r.lastSeenAt : typeof r.last_seen_at === 'string' ? r.last_seen_at : undefined
	};
	return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as AlarmDetails;
}

const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One alarm row as AlarmView (the select list; `a` is the alarm, `d` its device). */
export const ALARM_VIEW = `select a.id, a.device_id as "deviceId", d.name as "deviceName", a.rt_id as "rtId", a.type, a.severity, a.siaga,
        ${ISO('a.first_seen_at')} as "firstSeenAt", ${ISO('a.last_seen_at')} as "lastSeenAt", a.count,
        ${ISO('a.cleared_at')} as "clearedAt", ${ISO('a.acknowledged_at')} as "acknowledgedAt",
        (select u.name from app_user u where u.id = a.acknowledged_by) as "acknowledgedByName", a.ack_note as "ackNote", a.details
   from alarm a join device d on d.id = a.device_id`;

type AlarmRow = Omit<AlarmView, 'details'> & { details: Record<string, unknown> | null };

export const toView = (row: AlarmRow): AlarmView => ({ ...row, details: detailsOf(row.details) });

/** The RW's active alarms and those cleared in the last hours, sorted for the list. */
export async function listAlarms(db: Database, user: SessionUser): Promise<AlarmView[]> {
	const rows = await listAsUser<AlarmRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`${ALARM_VIEW} where a.rw_id = $1 and (a.cleared_at is null or a.cleared_at > now() - make_interval(hours => $2::int))
		  order by a.last_seen_at desc limit 200`,
		[user.rwId, RECENTLY_CLEARED_HOURS]
	);
	return rows.map(toView).sort(compareAlarms);
}

/** One alarm of the user's RW as the user sees it (null: none or not visible). */
export async function getAlarm(db: Database, user: SessionUser, id: string): Promise<AlarmView | null> {
	const rows = await queryAsUser<AlarmRow>(db, { sub: user.id, rw_id: user.rwId }, `${ALARM_VIEW} where a.id = $1::uuid and a.rw_id = $2`, [id, user.rwId]);
	return rows[0] ? toView(rows[0]) : null;
}

/**
 * What heldSiaga needs besides the reading, for the device `d`: the level of its
 * active flood alarm and whether it is silenced (the pumps list reads it with this;
 * the public flood page through app.public_water_levels, which selects the same).
 */
export const FLOOD_HOLD_COLUMNS = `(select a.siaga from alarm a where a.device_id = d.id and a.type = 'flood_level' and a.cleared_at is null) as alarm_siaga,
        coalesce(d.silenced_until > now(), false) as silenced`;

/** FLOOD_HOLD_COLUMNS as read. */
export interface FloodHold {
	alarm_siaga: number | null;
	silenced: boolean;
}

/** heldSiaga of a row with a level, thresholds and FLOOD_HOLD_COLUMNS. */
export const heldSiagaOf = (r: { level_cm: number | null } & Thresholds & FloodHold) => heldSiaga(r.level_cm, r, { alarmSiaga: r.alarm_siaga, silenced: r.silenced });

/**
 * Each sensor's latest level (its last reading), its Siaga level and its rise over
 * the last 10 minutes (the latest level less the level about 10 minutes before it).
 * The Siaga level is the alarm engine's, as the live level messages carry it
 * (heldSiaga), so a reload shows what the live screen showed.
 */
export async function latestLevels(db: Database, user: SessionUser): Promise<LevelView[]> {
	const rows = await listAsUser<{ deviceId: string; level_cm: number | null; at: string; before: number | null } & Thresholds & FloodHold>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select d.id as "deviceId", r.level_cm, ${ISO('r.ts')} as at, p.level_cm as before, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm, ${FLOOD_HOLD_COLUMNS}
		   from device d
		   join lateral (select ts, level_cm from reading where device_id = d.id and level_cm is not null order by ts desc limit 1) r on true
		   left join lateral (select level_cm from reading where device_id = d.id and level_cm is not null
		                        and ts <= r.ts - interval '10 minutes' and ts > r.ts - interval '20 minutes' order by ts desc limit 1) p on true
		  where d.rw_id = $1 and d.kind = 'sensor' order by d.id`,
		[user.rwId]
	);
	return rows.map((r) => ({
		deviceId: r.deviceId,
		levelCm: r.level_cm,
		siaga: heldSiagaOf(r),
		risePer10Min: r.level_cm !== null && r.before !== null ? Math.round((r.level_cm - r.before) * 10) / 10 : null,
		at: r.at
	}));
}

export type HistoryRange = 'hour' | 'day' | 'week';

/**
 * A sensor's water level: the last hour reading by reading, 24 hours per minute and
 * 7 days per hour (rollups), oldest first.
 */
export function sensorHistory(db: Database, user: SessionUser, deviceId: string, range: HistoryRange): Promise<LevelPoint[]> {
	const claims = { sub: user.id, rw_id: user.rwId };
	if (range === 'hour') {
		return listAsUser<LevelPoint>(
			db,
			claims,
			`select ${ISO('ts')} as at, level_cm as min_cm, level_cm as max_cm, level_cm as avg_cm, level_cm as last_cm
			   from reading where device_id = $1 and level_cm is not null and ts > now() - interval '1 hour' order by ts`,
			[deviceId]
		);
	}
	const table = range === 'day' ? 'reading_minute' : 'reading_hour';
	const span = range === 'day' ? '24 hours' : '7 days';
	return listAsUser<LevelPoint>(
		db,
		claims,
		`select ${ISO('bucket')} as at, min_cm, max_cm, (sum_cm / n)::real as avg_cm, last_cm
		   from ${table} where device_id = $1 and bucket >= now() - interval '${span}' order by bucket`,
		[deviceId]
	);
}
