import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { withUser } from '../db';
import { siagaOf, type Siaga } from '$lib/domain/flood';
import { pumpSuggested, type AreaLevel } from '$lib/domain/water-level';
import type { PumpRow } from '$lib/views/pumps';
import { PUMP_ROWS, pumpView, type PumpRecord } from './views';

interface SensorLevel {
	rt_id: string | null;
	level_cm: number | null;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
}

/**
 * Where the water stands now, per area: each sensor's last level against its
 * thresholds, and the active flood alarms (the alarm engine's filtered view).
 */
const SENSOR_LEVELS = `select d.rt_id, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm,
        (select m.last_cm from reading_minute m where m.device_id = d.id order by m.bucket desc limit 1) as level_cm
   from device d where d.rw_id = $1 and d.kind = 'sensor' and d.disabled_at is null`;
const ALARM_LEVELS = `select a.rt_id, a.siaga from alarm a where a.rw_id = $1 and a.cleared_at is null and a.siaga is not null`;

/** The RW's pumps with state, last command and whether their area calls for them (RLS: officers and the RW admin). */
export async function listPumps(db: Database, user: SessionUser): Promise<PumpRow[]> {
	const [pumps, sensors, alarms] = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => [
		await tx.query<PumpRecord>(PUMP_ROWS, [user.rwId, null]),
		await tx.query<SensorLevel>(SENSOR_LEVELS, [user.rwId]),
		await tx.query<{ rt_id: string | null; siaga: number }>(ALARM_LEVELS, [user.rwId])
	] as const);
	const levels: AreaLevel[] = [
		...sensors.map((s) => ({ rtId: s.rt_id, siaga: siagaOf(s.level_cm, s) })),
		...alarms.map((a) => ({ rtId: a.rt_id, siaga: a.siaga as Siaga }))
	];
	return pumps.map((p) => {
		const area = levels.filter((l) => l.siaga !== null && (p.rt_id === null || l.rtId === p.rt_id)).map((l) => l.siaga!);
		return {
			...pumpView(p),
			name: p.name,
			rtNumber: p.rt_number,
			status: p.status,
			suggested: pumpSuggested(p.rt_id, levels),
			areaSiaga: area.length > 0 ? Math.min(...area) : null
		};
	});
}
