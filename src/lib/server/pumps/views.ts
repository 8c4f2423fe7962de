import type { Database, Sql } from '../db';
import type { PumpView } from '$lib/views/alerts';

/** A pump with its reported state and its last command, as stored. */
export interface PumpRecord {
	id: string;
	name: string;
	rt_id: string | null;
	rt_number: number | null;
	status: string;
	pump_on: boolean | null;
	pump_state_at: Date | string | null;
	cmd_id: string | null;
	turn_on: boolean | null;
	cmd_at: Date | string | null;
	by_name: string | null;
	confirmed_at: Date | string | null;
	failed_at: Date | string | null;
}

/** The pumps of an RW (or one of them) with their last command; `$1` the RW, `$2` a device id or null. */
export const PUMP_ROWS = `select d.id, d.name, d.rt_id, rt.number::int as rt_number, d.status, d.pump_on, d.pump_state_at,
        c.id as cmd_id, c.turn_on, c.at as cmd_at, c.by_name, c.confirmed_at, c.failed_at
   from device d
   left join rt on rt.id = d.rt_id
   left join lateral (
     select pc.id, pc.turn_on, pc.at, pc.by_name, pc.confirmed_at, pc.failed_at
       from pump_command pc where pc.device_id = d.id order by pc.at desc limit 1
   ) c on true
  where d.rw_id = $1 and d.kind = 'pump' and ($2::text is null or d.id = $2)
  order by d.name, d.id`;

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** The message shape (src/lib/views/alerts.ts) of a stored pump. */
export function pumpView(r: PumpRecord): PumpView {
	return {
		deviceId: r.id,
		on: r.pump_on,
		stateAt: iso(r.pump_state_at),
		command:
			r.cmd_id === null
				? null
				: {
						id: r.cmd_id,
						turnOn: r.turn_on === true,
						at: iso(r.cmd_at)!,
						byName: r.by_name ?? '',
						state: r.confirmed_at ? 'confirmed' : r.failed_at ? 'failed' : 'pending'
					}
	};
}

/** One pump as the server publishes it (no RLS: the server's own read), with its RW's code. */
export async function loadPump(db: Database | Sql, deviceId: string): Promise<{ rwCode: string; view: PumpView } | null> {
	const rw = await db.query<{ rw_id: string; code: string }>(`select d.rw_id, rw.code from device d join rw on rw.id = d.rw_id where d.id = $1 and d.kind = 'pump'`, [deviceId]);
	if (!rw[0]) return null;
	const rows = await db.query<PumpRecord>(PUMP_ROWS, [rw[0].rw_id, deviceId]);
	return rows[0] ? { rwCode: rw[0].code, view: pumpView(rows[0]) } : null;
}
