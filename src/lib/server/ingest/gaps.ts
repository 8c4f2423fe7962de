import type { Sql } from '../db';
import { header } from './metrics';

export interface DeviceGap {
	deviceId: string;
	/** Readings the device counted (seq) that were never stored. */
	missed: number;
	/** Start of the earliest boot with a gap. */
	since: string;
}

/**
 * Devices with readings that never arrived, from each (device, boot)'s stored seq range
 * and count (device_seq_span, kept by the rollup flush): the same figure in the
 * embedded and the external-broker mode, whichever instance stored what.
 */
export async function missedReadings(db: Sql): Promise<DeviceGap[]> {
	const rows = await db.query<{ device_id: string; missed: number; since: string | Date }>(
		`select device_id, sum(last_seq - first_seq + 1 - received)::float8 as missed, min(first_ts) as since
		   from device_seq_span where last_seq - first_seq + 1 > received
		  group by device_id order by device_id`
	);
	return rows.map((r) => ({ deviceId: r.device_id, missed: r.missed, since: new Date(r.since).toISOString() }));
}

/** The gaps as a Prometheus gauge per device. */
export function renderGaps(gaps: DeviceGap[]): string {
	const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
	const lines = header('rukun_device_missed_readings', 'gauge', 'Readings a device counted (seq, per boot) that were never stored; devices with none are left out.');
	for (const g of gaps) lines.push(`rukun_device_missed_readings{device="${esc(g.deviceId)}"} ${g.missed}`);
	return `${lines.join('\n')}\n`;
}
