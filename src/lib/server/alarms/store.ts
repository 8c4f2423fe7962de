import type { AlarmState, DeviceConfig, EngineAlarmType, SensorReading, Transition } from '$lib/domain/alarms';
import { ENGINE_TYPES } from '$lib/domain/alarms';
import type { Siaga } from '$lib/domain/flood';
import type { AlarmDetails, AlarmType, AlarmView, Severity } from '$lib/views/alerts';
import type { Database, Statement } from '../db';

/**
 * The alarm service's reads and writes (docs/architecture.md, "Alarms"). Every
 * transition is one conditional statement that also writes its `alarm_event`: a raise
 * inserts only where no active alarm of (device, type) exists (the partial unique
 * index), a change updates only the row as the engine last knew it. With several
 * instances on one database the first write wins and the others change nothing, so an
 * alarm is decided, recorded and published once.
 */

export interface DeviceRecord {
	config: DeviceConfig;
	name: string;
	rwCode: string;
	status: 'online' | 'offline' | 'unknown';
	lastSeenAt: number | null;
}

interface DeviceRow {
	id: string;
	rw_id: string;
	rt_id: string | null;
	kind: DeviceConfig['kind'];
	name: string;
	code: string;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
	rise_limit_cm_per_10min: number;
	report_interval_s: number;
	silenced_until: string | Date | null;
	status: 'online' | 'offline' | 'unknown';
	last_seen_at: string | Date | null;
}

const ms = (v: string | Date | null): number | null => (v === null ? null : new Date(v).getTime());
const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

const DEVICES = `select d.id, d.rw_id, d.rt_id, d.kind, d.name, rw.code, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm, d.rise_limit_cm_per_10min,
		        d.report_interval_s, d.silenced_until, d.status, d.last_seen_at
		   from device d join rw on rw.id = d.rw_id`;

/** Enabled devices (all, or those of `ids`) with what the engine needs. */
export async function loadDevices(db: Database, ids: readonly string[] | null = null): Promise<DeviceRecord[]> {
	const rows = await db.query<DeviceRow>(`${DEVICES} where d.disabled_at is null and ($1::text[] is null or d.id = any($1::text[]))`, [ids]);
	return rows.map(recordOf);
}

/** Devices per query of `loadDevicesInPages`. */
export const DEVICE_PAGE = 100;

/**
 * Every enabled device, as `loadDevices(db)`, `page` devices per query (by id): on
 * PGlite a query holds the one session, and the whole fleet in one (~700 devices in
 * bench:alerts: ~40 ms of the database worker's CPU under an import) is a hold that
 * readings wait behind.
 */
export async function loadDevicesInPages(db: Database, page = DEVICE_PAGE): Promise<DeviceRecord[]> {
	const out: DeviceRecord[] = [];
	for (let after = ''; ; ) {
		const rows = await db.query<DeviceRow>(`${DEVICES} where d.disabled_at is null and d.id > $1 order by d.id limit $2`, [after, page]);
		for (const r of rows) out.push(recordOf(r));
		if (rows.length < page) return out;
		after = rows[rows.length - 1]!.id;
	}
}

function recordOf(r: DeviceRow): DeviceRecord {
	return {
		config: {
			id: r.id,
			rwId: r.rw_id,
			rtId: r.rt_id,
			kind: r.kind,
			thresholds: { siaga3_cm: r.siaga3_cm, siaga2_cm: r.siaga2_cm, siaga1_cm: r.siaga1_cm },
			riseLimitCmPer10Min: Number(r.rise_limit_cm_per_10min),
			reportIntervalS: r.report_interval_s,
			silencedUntil: ms(r.silenced_until)
		},
		name: r.name,
		rwCode: r.code,
		status: r.status,
		lastSeenAt: ms(r.last_seen_at)
	};
}

/** Most readings per sensor loaded to rebuild its state (a fast sensor's last minutes, a normal one's last half hour). */
export const REBUILD_READINGS_PER_DEVICE = 360;

/**
 * Most readings per sensor read again for each batch when instances share the ingest
 * (sharedWindow): an hour of a sensor reporting once a minute. With 360, a fleet of
 * fast sensors made each batch read 36,000 rows and cut an instance's ingest from
 * ~20,000 to ~6,000-10,000 readings/s (bench:ingest-external).
 */
export const SHARED_READINGS_PER_DEVICE = 60;

/**
 * Each sensor's readings since `since` (newest `limit`), oldest first, in one query.
 * "Newest" by (boot, seq), the device's own count, which grows with time (README,
 * "Devices and MQTT"): the primary key read backwards stops after `limit` rows. Ordered
 * by ts, which no index of `reading` leads with, PostgreSQL read and sorted every
 * reading the sensor ever stored, per call: with 300,000 readings of 100 sensors 3.1 s
 * per call instead of 12 ms, and with several instances it runs per batch.
 */
export async function loadRecentReadings(
	db: Database,
	since: number,
	ids: readonly string[] | null = null,
	limit = REBUILD_READINGS_PER_DEVICE
): Promise<Map<string, SensorReading[]>> {
	const rows = await db.query<{ device_id: string; t: number | string; level_cm: number | null; battery_v: number | null; clock_skew: boolean }>(
		`select d.id as device_id, r.t, r.level_cm, r.battery_v, r.clock_skew
		   from device d
		   cross join lateral (
		     select (extract(epoch from x.ts) * 1000)::float8 as t, x.level_cm, x.battery_v, x.clock_skew
		       from reading x where x.device_id = d.id and x.ts > $1::text::timestamptz
		      order by x.boot desc, x.seq desc limit ${Math.max(1, Math.floor(limit))}
		   ) r
		  where d.kind = 'sensor' and d.disabled_at is null and ($2::text[] is null or d.id = any($2::text[]))`,
		[new Date(since).toISOString(), ids]
	);
	const out = new Map<string, SensorReading[]>();
	for (const r of rows) {
		let list = out.get(r.device_id);
		if (!list) out.set(r.device_id, (list = []));
		list.push({ at: Math.round(Number(r.t)), levelCm: r.level_cm, batteryV: r.battery_v, clockSkew: r.clock_skew });
	}
	for (const list of out.values()) list.sort((a, b) => a.at - b.at);
	return out;
}

export type ActiveAlarms = Map<string, Partial<Record<EngineAlarmType, AlarmState>>>;

/** The active alarms of the engine's types (all devices, or those of `ids`), as the engine records them. */
export async function loadActiveAlarms(db: Database, ids: readonly string[] | null = null): Promise<ActiveAlarms> {
	const rows = await db.query<{ device_id: string; type: EngineAlarmType; severity: Severity; siaga: number | null; first_seen_at: string | Date; last_seen_at: string | Date; count: number }>(
		`select device_id, type, severity, siaga, first_seen_at, last_seen_at, count from alarm
		  where cleared_at is null and type = any($1::text[]) and ($2::text[] is null or device_id = any($2::text[]))`,
		[ENGINE_TYPES, ids]
	);
	const out: ActiveAlarms = new Map();
	for (const r of rows) {
		let byType = out.get(r.device_id);
		if (!byType) out.set(r.device_id, (byType = {}));
		byType[r.type] = {
			severity: r.severity,
			siaga: r.siaga as Siaga | null,
			firstSeenAt: ms(r.first_seen_at)!,
			lastSeenAt: ms(r.last_seen_at)!,
			count: r.count
		};
	}
	return out;
}

// The written row as dashboards see it (src/lib/views/alerts.ts).
const VIEW = `select a.id, a.device_id, d.name as device_name, a.rt_id, a.type, a.severity, a.siaga, a.first_seen_at, a.last_seen_at, a.count,
        a.cleared_at, a.acknowledged_at, u.name as acknowledged_by_name, a.ack_note, a.details
   from a join device d on d.id = a.device_id left join app_user u on u.id = a.acknowledged_by`;

const EVENT_KIND = { raise: 'raised', escalate: 'escalated', lower: 'lowered', clear: 'cleared' } as const;

function eventInsert(kind: keyof typeof EVENT_KIND, atParam: string): string {
	return `, e as (insert into alarm_event (alarm_id, rw_id, at, kind, severity, siaga, details)
	              select id, rw_id, ${atParam}::text::timestamptz, '${EVENT_KIND[kind]}', severity, siaga, details from a)`;
}

/** The one conditional statement that records a transition (and its event); returns the row when this write won. */
export function transitionStatement(t: Transition, config: DeviceConfig): Statement {
	const at = new Date(t.at).toISOString();
	const details = JSON.stringify(t.details);
	switch (t.kind) {
		case 'raise':
			return {
				text: `with a as (
				         insert into alarm (rw_id, device_id, rt_id, type, severity, siaga, first_seen_at, last_seen_at, count, details)
				         values ($1, $2, $3, $4, $5, $6, $7::text::timestamptz, $7::text::timestamptz, 1, $8::jsonb)
				         on conflict (device_id, type) where cleared_at is null do nothing
				         returning *)${eventInsert('raise', '$7')}
				       ${VIEW}`,
				params: [config.rwId, t.deviceId, config.rtId, t.type, t.severity, t.siaga, at, details]
			};
		case 'escalate':
		case 'lower':
			// Escalated: acknowledged again by a person (a new danger must be seen).
			return {
				text: `with a as (
				         update alarm set severity = $3, siaga = $4, last_seen_at = $5::text::timestamptz, count = count + 1, details = $6::jsonb
				         ${t.kind === 'escalate' ? ', acknowledged_at = null, acknowledged_by = null, ack_note = null' : ''}
				          where device_id = $1 and type = $2 and cleared_at is null and severity = $7 and siaga is not distinct from $8::smallint
				         returning *)${eventInsert(t.kind, '$5')}
				       ${VIEW}`,
				params: [t.deviceId, t.type, t.severity, t.siaga, at, details, t.previous!.severity, t.previous!.siaga]
			};
		case 'clear':
			return {
				text: `with a as (
				         update alarm set cleared_at = $3::text::timestamptz, details = $4::jsonb
				          where device_id = $1 and type = $2 and cleared_at is null
				         returning *)${eventInsert('clear', '$3')}
				       ${VIEW}`,
				params: [t.deviceId, t.type, at, details]
			};
		case 'repeat':
			return {
				text: `with a as (
				         update alarm set last_seen_at = $3::text::timestamptz, count = count + 1, details = $4::jsonb
				          where device_id = $1 and type = $2 and cleared_at is null and last_seen_at = $5::text::timestamptz
				         returning *)
				       ${VIEW}`,
				params: [t.deviceId, t.type, at, details, new Date(t.previous!.lastSeenAt).toISOString()]
			};
	}
}

const key = (t: Transition) => `${t.deviceId}\u0000${t.type}`;

export interface ViewRow {
	id: string;
	device_id: string;
	device_name: string;
	rt_id: string | null;
	type: AlarmType;
	severity: Severity;
	siaga: number | null;
	first_seen_at: string | Date;
	last_seen_at: string | Date;
	count: number;
	cleared_at: string | Date | null;
	acknowledged_at: string | Date | null;
	acknowledged_by_name: string | null;
	ack_note: string | null;
	details: AlarmDetails | string;
}

export function viewOf(r: ViewRow): AlarmView {
	return {
		id: r.id,
		deviceId: r.device_id,
		deviceName: r.device_name,
		rtId: r.rt_id,
		type: r.type,
		severity: r.severity,
		siaga: r.siaga,
		firstSeenAt: iso(r.first_seen_at)!,
		lastSeenAt: iso(r.last_seen_at)!,
		count: r.count,
		clearedAt: iso(r.cleared_at),
		acknowledgedAt: iso(r.acknowledged_at),
		acknowledgedByName: r.acknowledged_by_name,
		ackNote: r.ack_note,
		details: typeof r.details === 'string' ? (JSON.parse(r.details) as AlarmDetails) : r.details
	};
}

/**
 * Records transitions in one short transaction (one round trip); for each, the alarm
 * as written, or null when another instance (or an earlier write) got there first.
 */
export async function writeTransitions(db: Database, items: readonly { transition: Transition; config: DeviceConfig }[]): Promise<(AlarmView | null)[]> {
	if (items.length === 0) return [];
	// One lock order for every instance (by device, then type): two batches never deadlock.
	const order = items.map((_, i) => i).sort((a, b) => key(items[a]!.transition).localeCompare(key(items[b]!.transition)));
	const results = await db.batch(order.map((i) => transitionStatement(items[i]!.transition, items[i]!.config)));
	const out: (AlarmView | null)[] = new Array(items.length).fill(null);
	order.forEach((item, k) => {
		const rows = results[k]!;
		out[item] = rows.length > 0 ? viewOf(rows[0] as ViewRow) : null;
	});
	return out;
}
