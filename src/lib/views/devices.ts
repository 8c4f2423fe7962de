/**
 * What the device pages show. Types only, so a component can name them without
 * importing server code (docs/architecture.md, "Layers").
 */

/** What a device is: it decides its topics (src/lib/server/mqtt/topics.ts) and its settings. */
export type DeviceKind = 'sensor' | 'panic' | 'pump';

export interface DeviceRow {
	id: string;
	kind: DeviceKind;
	name: string;
	rt_number: number | null;
	lat: number | null;
	lng: number | null;
	report_interval_s: number;
	mounting_height_cm: number | null;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
	status: string;
	last_seen_at: string | null;
	battery_v: number | null;
	disabled_at: string | null;
	last_level_cm: number | null;
	/** Readings the device counted (seq) that never arrived, over its stored history (device_seq_span). */
	missed_readings: number;
	/** Start of the earliest boot with a gap, when there is one. */
	missed_since: string | null;
}
