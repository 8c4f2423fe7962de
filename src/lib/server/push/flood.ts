import type { LevelChange } from '../alarms/service';
import type { Database } from '../db';
import { notifyWhomStatement } from '../notifications';
import { wakePushSenders } from './wake';

/** The notification kind of a level change: up, down (still raised), back to normal. */
export function floodKind(change: Pick<LevelChange, 'oldSiaga' | 'newSiaga'>): 'flood.raised' | 'flood.lowered' | 'flood.cleared' {
	if (change.newSiaga === 4) return 'flood.cleared';
	return change.newSiaga < change.oldSiaga ? 'flood.raised' : 'flood.lowered';
}

/**
 * Residents (and the RT head) of the sensor's RT, or of the whole RW for a sensor
 * with no RT, whose chosen minimum level this change touches: the worse of the old
 * and the new level reaches it (so those told of Siaga 2 hear it is over).
 */
export async function writeFloodNotifications(db: Database, change: LevelChange): Promise<number> {
	const worst = Math.min(change.oldSiaga, change.newSiaga);
	if (worst === 4) return 0;
	// One statement, so one message: on PGlite the session is held only while it runs
	// (an interactive transaction held it across two round trips to the main thread).
	const whom = {
		text: `select distinct m.user_id from membership m join app_user u on u.id = m.user_id
		   left join push_preference p on p.user_id = m.user_id
		  where m.rw_id = $5 and ($6::uuid is null or m.rt_id = $6) and m.role in ('resident', 'rt_head')
		    and u.disabled_at is null and coalesce(p.flood_min_siaga, 3) >= $7`,
		params: [change.rwId, change.rtId, worst]
	};
	const params = { device: change.deviceId, name: change.deviceName, siaga: change.newSiaga, level: change.levelCm ?? '' };
	const statement = notifyWhomStatement(change.rwId, whom, floodKind(change), params, '/banjir');
	const [written] = await db.query<{ n: number }>(statement.text, statement.params);
	if (!written) return 0;
	wakePushSenders();
	return written.n;
}

/**
 * The alarm service's level-change listener. The service calls it only for the
 * transitions its own write recorded (another instance's win is not reported here),
 * so across instances each change is announced once.
 */
export function floodNotifier(db: Database, log: (message: string) => void): (change: LevelChange) => void {
	return (change) => {
		writeFloodNotifications(db, change).catch((err: unknown) => log(`push: flood notifications for ${change.deviceId} failed: ${err instanceof Error ? err.message : String(err)}`));
	};
}
