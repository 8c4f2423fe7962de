import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { withUser } from '../db';
import { pumpSuggested, type AreaLevel } from '$lib/domain/water-level';
import type { PumpRow } from '$lib/views/pumps';
import { PUMP_ROWS, pumpView, type PumpRecord } from './views';
import { FLOOD_HOLD_COLUMNS, heldSiagaOf, type FloodHold } from '../alarms/queries';

interface SensorLevel extends FloodHold {
	rt_id: string | null;
	level_cm: number | null;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
}

/**
 * Where the water stands now, per area: each sensor's Siaga level as the alarm engine
 * holds it (heldSiaga: its active flood alarm, the last level only while silenced).
 */
const SENSOR_LEVELS = `select d.rt_id, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm,
        (select m.last_cm from reading_minute m where m.device_id = d.id order by m.bucket desc limit 1) as level_cm,
        ${FLOOD_HOLD_COLUMNS}
   from device d where d.rw_id = $1 and d.kind = 'sensor' and d.disabled_at is null`;

/** The RW's pumps with state, last command and whether their area calls for them (RLS: officers and the RW admin). */
export async function listPumps(db: Database, user: SessionUser): Promise<PumpRow[]> {
	const [pumps, sensors] = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => [
		await tx.query<PumpRecord>(PUMP_ROWS, [user.rwId, null]),
		await tx.query<SensorLevel>(SENSOR_LEVELS, [user.rwId])
	] as const);
	const levels: AreaLevel[] = sensors.map((s) => ({ rtId: s.rt_id, siaga: heldSiagaOf(s) }));
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
