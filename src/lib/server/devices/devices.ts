import { randomBytes, timingSafeEqual } from 'node:crypto';
import { queryAsUser, withUser, type Database } from '../db';
import { audit } from '../audit';
import { sha256 } from '../auth/tokens';
import type { SessionUser } from '../auth/sessions';
import type { DeviceKind, DeviceRow } from '$lib/views/devices';
import { mosquittoHash } from './mosquitto';
import { may } from '$lib/domain/permissions';

export interface DeviceInfo {
	id: string;
	rwId: string;
	rwCode: string;
	kind: DeviceKind;
	mountingHeightCm: number | null;
	disabled: boolean;
}

/** A device secret: 256 random bits, shown once; stored as SHA-256 (high entropy, checked per connect). */
function newSecret(): string {
	return randomBytes(32).toString('base64url');
}

export function secretMatches(hash: string, secret: string): boolean {
	const a = Buffer.from(hash, 'hex');
	const b = Buffer.from(sha256(secret), 'hex');
	return a.length === b.length && timingSafeEqual(a, b);
}

/** For the broker: the device, if the id and secret are right and it is enabled. */
export async function authenticateDevice(db: Database, id: string, secret: string): Promise<DeviceInfo | 'disabled' | null> {
	const rows = await db.query<{ id: string; rw_id: string; code: string; kind: DeviceKind; mounting_height_cm: number | null; secret_hash: string; disabled_at: string | null }>(
		`select d.id, d.rw_id, rw.code, d.kind, d.mounting_height_cm, d.secret_hash, d.disabled_at
		   from device d join rw on rw.id = d.rw_id where d.id = $1`,
		[id]
	);
	const row = rows[0];
	if (!row || !secretMatches(row.secret_hash, secret)) return null;
	if (row.disabled_at) return 'disabled';
	return { id: row.id, rwId: row.rw_id, rwCode: row.code, kind: row.kind, mountingHeightCm: row.mounting_height_cm, disabled: false };
}

/** The device as ingest needs it (no secret check: the connection was authenticated). */
export async function lookupDevice(db: Database, id: string): Promise<DeviceInfo | null> {
	const rows = await db.query<{ id: string; rw_id: string; code: string; kind: DeviceKind; mounting_height_cm: number | null; disabled_at: string | null }>(
		`select d.id, d.rw_id, rw.code, d.kind, d.mounting_height_cm, d.disabled_at from device d join rw on rw.id = d.rw_id where d.id = $1`,
		[id]
	);
	const row = rows[0];
	return row ? { id: row.id, rwId: row.rw_id, rwCode: row.code, kind: row.kind, mountingHeightCm: row.mounting_height_cm, disabled: row.disabled_at !== null } : null;
}

export interface NewDevice {
	id: string;
	kind: DeviceKind;
	name: string;
	rtId: string | null;
	lat: number | null;
	lng: number | null;
	reportIntervalS: number;
	mountingHeightCm: number | null;
	maxRangeCm: number;
	siaga3Cm: number | null;
	siaga2Cm: number | null;
	siaga1Cm: number | null;
}

export type CreateDeviceResult = { ok: true; secret: string } | { ok: false; reason: 'taken' | 'forbidden' };

/** Registers a device (RW admin, RLS) and returns its one-time secret. */
export async function createDevice(db: Database, user: SessionUser, input: NewDevice): Promise<CreateDeviceResult> {
	if (!may(user, 'devices.manage')) return { ok: false, reason: 'forbidden' };
	const taken = await db.query('select 1 from device where id = $1', [input.id]);
	if (taken.length > 0) return { ok: false, reason: 'taken' };
	const secret = newSecret();
	await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		await tx.query(
			`insert into device (id, rw_id, rt_id, kind, name, lat, lng, report_interval_s, mounting_height_cm, max_range_cm,
			                     siaga3_cm, siaga2_cm, siaga1_cm, secret_hash, mosquitto_hash, created_by)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			[input.id, user.rwId, input.rtId, input.kind, input.name, input.lat, input.lng, input.reportIntervalS, input.mountingHeightCm, input.maxRangeCm, input.siaga3Cm, input.siaga2Cm, input.siaga1Cm, sha256(secret), mosquittoHash(secret), user.id]
		);
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'device.create', target: input.id });
	});
	return { ok: true, secret };
}

/** What a device's connection settings list besides the secret: a sensor's own interval, height, range and thresholds. */
export type DeviceSettings = Record<string, number | null>;

const SETTINGS_COLUMNS = 'kind, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm';

function settingsOf(row: { kind: DeviceKind; report_interval_s: number; mounting_height_cm: number | null; max_range_cm: number; siaga3_cm: number | null; siaga2_cm: number | null; siaga1_cm: number | null }): DeviceSettings {
	if (row.kind !== 'sensor') return {};
	const { report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm } = row;
	return { report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm };
}

/**
 * A new secret for a device of the admin's RW; returns it once, with the device's
 * stored settings (read in the same statement, so the settings shown are its own).
 */
export async function rotateSecret(db: Database, user: SessionUser, id: string): Promise<{ secret: string; kind: DeviceKind; settings: DeviceSettings } | null> {
	const secret = newSecret();
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const updated = await tx.query<Parameters<typeof settingsOf>[0]>(
			`update device set secret_hash = $3, mosquitto_hash = $4, secret_rotated_at = now() where id = $1 and rw_id = $2 returning ${SETTINGS_COLUMNS}`,
			[id, user.rwId, sha256(secret), mosquittoHash(secret)]
		);
		if (updated.length > 0) await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'device.rotate_secret', target: id });
		return updated;
	});
	const row = rows[0];
	return row ? { secret, kind: row.kind, settings: settingsOf(row) } : null;
}

export async function setDisabled(db: Database, user: SessionUser, id: string, disabled: boolean): Promise<boolean> {
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const updated = await tx.query(
			`update device set disabled_at = case when $3 then coalesce(disabled_at, now()) else null end where id = $1 and rw_id = $2 returning id`,
			[id, user.rwId, disabled]
		);
		if (updated.length > 0) await audit(tx, { rwId: user.rwId, actorId: user.id, action: disabled ? 'device.disable' : 'device.enable', target: id });
		return updated;
	});
	return rows.length > 0;
}

export type { DeviceRow };

const DEVICE_ROW = `select d.id, d.kind, d.name, rt.number as rt_number, d.lat, d.lng, d.report_interval_s, d.mounting_height_cm,
        d.siaga3_cm, d.siaga2_cm, d.siaga1_cm, d.status, d.last_seen_at, d.battery_v, d.disabled_at,
        (select m.last_cm from reading_minute m where m.device_id = d.id order by m.bucket desc limit 1) as last_level_cm,
        coalesce(g.missed, 0) as missed_readings, g.since as missed_since
   from device d left join rt on rt.id = d.rt_id
   left join lateral (
     -- Loss is never silent: seq numbers a device sent that were never stored.
     select sum(s.last_seq - s.first_seq + 1 - s.received)::float8 as missed, min(s.first_ts) as since
       from device_seq_span s where s.device_id = d.id and s.last_seq - s.first_seq + 1 > s.received
   ) g on true`;

/** Devices of the RW with their health (status, last seen, battery, last level). */
export function listDevices(db: Database, user: SessionUser): Promise<DeviceRow[]> {
	return queryAsUser<DeviceRow>(db, { sub: user.id, rw_id: user.rwId }, `${DEVICE_ROW} where d.rw_id = $1 order by d.kind, d.id`, [user.rwId]);
}

/** One device of the user's RW (RLS), or null. */
export async function getDevice(db: Database, user: SessionUser, id: string): Promise<DeviceRow | null> {
	const rows = await queryAsUser<DeviceRow>(db, { sub: user.id, rw_id: user.rwId }, `${DEVICE_ROW} where d.rw_id = $1 and d.id = $2`, [user.rwId, id]);
	return rows[0] ?? null;
}

/** Status from the retained LWT topic (`online` / `offline`). */
export async function setStatus(db: Database, id: string, status: 'online' | 'offline'): Promise<void> {
	await db.query(`update device set status = $2, last_seen_at = case when $2 = 'online' then now() else last_seen_at end where id = $1`, [id, status]);
}

/** A pump's reported state (its `state` topic); the time is when it was received. */
export async function setPumpState(db: Database, id: string, on: boolean, at: Date): Promise<void> {
	await db.query(`update device set pump_on = $2, pump_state_at = $3, last_seen_at = $3 where id = $1 and kind = 'pump'`, [id, on, at]);
}

/** Enabled devices of every RW, for the external broker's password file and ACL. */
export function devicesForBroker(db: Database): Promise<{ id: string; rwCode: string; kind: DeviceKind; mosquittoHash: string | null }[]> {
	return db.query(
		`select d.id, rw.code as "rwCode", d.kind, d.mosquitto_hash as "mosquittoHash"
		   from device d join rw on rw.id = d.rw_id where d.disabled_at is null order by d.id`
	);
}
