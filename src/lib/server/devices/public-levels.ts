import { queryAsUser, withAnon, type Database, type Sql } from '../db';
import type { SessionUser } from '../auth/sessions';
import { nearestSensor, trendOf } from '$lib/domain/water-level';
import type { PublicLevel, PublicRwLevels } from '$lib/views/water';
import { heldSiagaOf, type FloodHold } from '../alarms/queries';

interface LevelRecord extends FloodHold {
	device_id: string;
	name: string;
	rt_id: string | null;
	rt_number: number | null;
	lat: number | null;
	lng: number | null;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
	level_cm: number | null;
	level_at: Date | string | null;
	earlier_cm: number | null;
}

/**
 * Only what a water-gate board shows (app.public_water_levels, readable by anyone),
 * with what heldSiaga needs: the Siaga level is the alarm engine's, as on the
 * security post, not the last reading's.
 */
const LEVELS = 'select * from app.public_water_levels($1)';

const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function toPublic(r: LevelRecord): PublicLevel {
	return {
		deviceId: r.device_id,
		name: r.name,
		rtNumber: r.rt_number,
		levelCm: round(r.level_cm),
		siaga: heldSiagaOf(r),
		trend: trendOf(r.level_cm, r.earlier_cm),
		at: r.level_at === null ? null : new Date(r.level_at).toISOString()
	};
}

/** The public flood page: the RW chosen by code (or the only RW), with every sensor. Null when there is no such RW. */
export async function publicRwLevels(db: Database, code: string | null): Promise<PublicRwLevels | null> {
	return withAnon(db, async (tx: Sql) => {
		const rws = await tx.query<{ id: string; code: string; name: string; kelurahan: string; city: string }>(
			code === null
				? 'select id, code, name, kelurahan, city from rw order by code limit 2'
				: 'select id, code, name, kelurahan, city from rw where upper(code) = upper($1)',
			code === null ? [] : [code]
		);
		// Without a code the page is the RW's only when there is exactly one.
		if (rws.length !== 1) return null;
		const { id, ...rw } = rws[0]!;
		const rows = await tx.query<LevelRecord>(LEVELS, [id]);
		return { rw, sensors: rows.map(toPublic) };
	});
}

/** RWs for the public page's chooser (code and name only). */
export function publicRwChoices(db: Database): Promise<{ code: string; name: string }[]> {
	return withAnon(db, (tx) => tx.query('select code, name from rw order by code limit 200'));
}

/**
 * A resident's water level: the sensor of their RT, else the RW's sensor nearest to
 * their RT's houses, else any of the RW. Null when the RW has no sensor.
 */
export async function residentLevel(db: Database, user: SessionUser): Promise<PublicLevel | null> {
	if (!user.rwId) return null;
	const claims = { sub: user.id, rw_id: user.rwId };
	const rows = await queryAsUser<LevelRecord>(db, claims, LEVELS, [user.rwId]);
	if (rows.length === 0) return null;
	const rtId = user.rtId ?? (await houseRt(db, user));
	const centre = rtId ? (await queryAsUser<{ lat: number | null; lng: number | null }>(db, claims, 'select lat, lng from app.rt_centre($1)', [rtId]))[0] : undefined;
	const points = rows.map((r) => ({ ...r, deviceId: r.device_id, rtId: r.rt_id }));
	const chosen = nearestSensor(points, rtId, centre && centre.lat !== null && centre.lng !== null ? { lat: centre.lat, lng: centre.lng } : null);
	return chosen ? toPublic(chosen) : null;
}

/** The RT of the resident's house, when the membership names a house but no RT. */
async function houseRt(db: Database, user: SessionUser): Promise<string | null> {
	if (!user.houseId) return null;
	const rows = await queryAsUser<{ rt_id: string }>(db, { sub: user.id, rw_id: user.rwId }, 'select rt_id from house where id = $1', [user.houseId]);
	return rows[0]?.rt_id ?? null;
}
