import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { may } from '$lib/domain/permissions';
import type { SensorSettingsInput } from '$lib/schemas/device-settings';
import type { DeviceAlarmSettings } from '$lib/views/device-settings';

export type { DeviceAlarmSettings };

/** The longest a sensor's alarms may be silenced at once: a faulty sensor is fixed or replaced within a month. */
export const MAX_SILENCE_DAYS = 30;

/** A device's alarm settings and silence (RW admin, RLS); null when not visible. */
export async function getAlarmSettings(db: Database, user: SessionUser, id: string): Promise<DeviceAlarmSettings | null> {
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) =>
		tx.query<Omit<DeviceAlarmSettings, 'silenced_until'> & { silenced_until: Date | string | null }>(
			`select d.id, d.kind, d.max_range_cm, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm, d.rise_limit_cm_per_10min, d.report_interval_s,
			        case when d.silenced_until > now() then d.silenced_until end as silenced_until,
			        case when d.silenced_until > now() then d.silence_reason end as silence_reason,
			        case when d.silenced_until > now() then u.name end as silenced_by_name
			   from device d left join app_user u on u.id = d.silenced_by
			  where d.id = $1 and d.rw_id = $2`,
			[id, user.rwId]
		)
	);
	const row = rows[0];
	return row ? { ...row, silenced_until: row.silenced_until === null ? null : new Date(row.silenced_until).toISOString() } : null;
}

export type SettingsResult = { ok: true } | { ok: false; reason: 'forbidden' | 'not_found' | 'not_sensor' } | { ok: false; reason: 'field'; field: string; message: string };

const FIELDS = [
	['siaga3_cm', 'siaga3Cm'],
	['siaga2_cm', 'siaga2Cm'],
	['siaga1_cm', 'siaga1Cm'],
	['rise_limit_cm_per_10min', 'riseLimitCmPer10Min'],
	['report_interval_s', 'reportIntervalS']
] as const;

/**
 * Changes a sensor's thresholds, rise limit and report interval (RW admin, RLS), audited
 * with the old and new values. Siaga 1 must stay below the sensor's maximum range,
 * checked against the stored range under the row lock.
 */
export async function updateSensorSettings(db: Database, user: SessionUser, id: string, input: SensorSettingsInput): Promise<SettingsResult> {
	if (!may(user, 'devices.manage')) return { ok: false, reason: 'forbidden' };
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const rows = await tx.query<Record<(typeof FIELDS)[number][0], number> & { kind: string; max_range_cm: number }>(
			`select kind, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, rise_limit_cm_per_10min, report_interval_s
			   from device where id = $1 and rw_id = $2 for update`,
			[id, user.rwId]
		);
		const old = rows[0];
		if (!old) return { ok: false, reason: 'not_found' } as const;
		if (old.kind !== 'sensor') return { ok: false, reason: 'not_sensor' } as const;
		// docs/domain.md, "Flood monitoring": all thresholds within the sensor's range.
		if (!(input.siaga1Cm < old.max_range_cm)) return { ok: false, reason: 'field', field: 'siaga1Cm', message: 'errors.siaga_range' } as const;
		const changes: Record<string, { old: number; new: number }> = {};
		for (const [column, key] of FIELDS) if (Number(old[column]) !== input[key]) changes[column] = { old: Number(old[column]), new: input[key] };
		if (Object.keys(changes).length === 0) return { ok: true } as const;
		await tx.query(
			`update device set siaga3_cm = $3, siaga2_cm = $4, siaga1_cm = $5, rise_limit_cm_per_10min = $6, report_interval_s = $7 where id = $1 and rw_id = $2`,
			[id, user.rwId, input.siaga3Cm, input.siaga2Cm, input.siaga1Cm, input.riseLimitCmPer10Min, input.reportIntervalS]
		);
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'device.settings', target: id, detail: changes });
		return { ok: true } as const;
	});
}

export type SilenceResult = { ok: true } | { ok: false; reason: 'forbidden' | 'not_found' } | { ok: false; reason: 'field'; field: string; message: string };

/** Silences a faulty device's alarms until `until` (future, at most 30 days), with a reason (RW admin, RLS, audited). */
export async function silenceDevice(db: Database, user: SessionUser, id: string, until: Date, reason: string, now = new Date()): Promise<SilenceResult> {
	if (!may(user, 'devices.manage')) return { ok: false, reason: 'forbidden' };
	if (until.getTime() <= now.getTime()) return { ok: false, reason: 'field', field: 'until', message: 'errors.silence_past' };
	if (until.getTime() > now.getTime() + MAX_SILENCE_DAYS * 86_400_000) return { ok: false, reason: 'field', field: 'until', message: 'errors.silence_too_long' };
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const updated = await tx.query(
			`update device set silenced_until = $3, silence_reason = $4, silenced_by = $5 where id = $1 and rw_id = $2 returning id`,
			[id, user.rwId, until, reason, user.id]
		);
		if (updated.length > 0) await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'device.silence', target: id, detail: { until: until.toISOString(), reason } });
		return updated;
	});
	return rows.length > 0 ? { ok: true } : { ok: false, reason: 'not_found' };
}

/** Ends a silence early (RW admin, RLS, audited). */
export async function endSilence(db: Database, user: SessionUser, id: string): Promise<boolean> {
	if (!may(user, 'devices.manage')) return false;
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const updated = await tx.query(
			`update device set silenced_until = null, silence_reason = null, silenced_by = null where id = $1 and rw_id = $2 returning id`,
			[id, user.rwId]
		);
		if (updated.length > 0) await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'device.silence_end', target: id });
		return updated;
	});
	return rows.length > 0;
}
