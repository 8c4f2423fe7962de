import type { IncidentView } from '$lib/views/alerts';
import { listAsUser, type Database, type Sql } from '../db';
import type { Claims } from '../db/with-user';

/**
 * Reading incidents (docs/panic.md): always as the user, so Row Level Security decides
 * who sees which (a resident their own presses, officers and the RW admin the RW's, an
 * RT head their RT's), or as the system for what the server publishes. One shape for
 * the dashboard's catch-up, the broker's messages and the resident's live status.
 */

const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The select list of IncidentView (`i` is the incident); the steps as a JSON array. */
export const INCIDENT_VIEW = `select i.id, i.source, i.state, i.category, i.place_label as "placeLabel", i.house_id as "houseId",
        i.device_id as "deviceId", i.rt_id as "rtId", i.lat, i.lng, i.accuracy_m as "accuracyM",
        i.reporter_name as "reporterName", i.reporter_phone as "reporterPhone",
        ${ISO('i.triggered_at')} as "triggeredAt", ${ISO('i.acknowledged_at')} as "acknowledgedAt",
        ${ISO('i.dispatched_at')} as "dispatchedAt", ${ISO('i.closed_at')} as "closedAt", ${ISO('i.escalated_at')} as "escalatedAt",
        (select s.officer_name from panic_incident_step s where s.incident_id = i.id and s.step = 'dispatched' order by s.id desc limit 1) as "officerName",
        coalesce((select json_agg(json_build_object('step', s.step, 'at', ${ISO('s.at')}, 'byName', s.by_name,
                    'officerName', s.officer_name, 'note', s.note) order by s.id)
                    from panic_incident_step s where s.incident_id = i.id), '[]'::json) as steps
   from panic_incident i`;

/** Open incidents of the user's RW, oldest first (the dashboard's overlay). */
export function listOpenIncidents(db: Database, claims: Claims): Promise<IncidentView[]> {
	return listAsUser<IncidentView>(
		db,
		claims,
		`${INCIDENT_VIEW} where i.rw_id = $1 and i.state in ('triggered', 'acknowledged', 'dispatched') order by i.triggered_at`,
		[claims.rw_id]
	);
}

export async function getIncident(db: Database, claims: Claims, id: string): Promise<IncidentView | null> {
	if (!UUID.test(id)) return null;
	const rows = await listAsUser<IncidentView>(db, claims, `${INCIDENT_VIEW} where i.id = $1::uuid`, [id]);
	return rows[0] ?? null;
}

/** The same incident as the system sees it (what is published to the RW's dashboards). */
export async function incidentAsSystem(db: Sql, id: string): Promise<(IncidentView & { rwCode: string; rwId: string; reporterId: string | null }) | null> {
	const rows = await db.query<{ v: string }>(
		`select row_to_json(x)::text as v from (${INCIDENT_VIEW.replace('from panic_incident i', ', r.code as "rwCode", i.rw_id as "rwId", i.reporter_id as "reporterId" from panic_incident i join rw r on r.id = i.rw_id')} where i.id = $1::uuid) x`,
		[id]
	);
	return rows[0] ? (JSON.parse(rows[0].v) as IncidentView & { rwCode: string; rwId: string; reporterId: string | null }) : null;
}

/** The resident's latest press if it is still open or closed in the last hour (their home shows it). */
export async function latestOwnIncident(db: Database, claims: Claims): Promise<IncidentView | null> {
	const rows = await listAsUser<IncidentView>(
		db,
		claims,
		`${INCIDENT_VIEW} where i.reporter_id = $1 and (i.state in ('triggered', 'acknowledged', 'dispatched') or i.closed_at > now() - interval '1 hour')
		  order by i.triggered_at desc limit 1`,
		[claims.sub]
	);
	return rows[0] ?? null;
}

export interface HistoryFilter {
	/** First day of the month, UTC (`2026-12-01`); null: the latest. */
	month: string | null;
	limit: number;
}

/** The RW's incidents, newest first (the history list). */
export function listIncidentHistory(db: Database, claims: Claims, filter: HistoryFilter): Promise<IncidentView[]> {
	return listAsUser<IncidentView>(
		db,
		claims,
		`${INCIDENT_VIEW} where i.rw_id = $1 and ($2::text = '' or (i.triggered_at >= $2::date and i.triggered_at < $2::date + interval '1 month'))
		  order by i.triggered_at desc limit $3::int`,
		[claims.rw_id, filter.month ?? '', filter.limit]
	);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
