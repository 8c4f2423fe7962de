/** A device's alarm settings and silence as the RW admin's device page shows them (types only). */
export interface DeviceAlarmSettings {
	id: string;
	kind: string;
	max_range_cm: number;
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
	rise_limit_cm_per_10min: number;
	report_interval_s: number;
	/** While silenced (ISO, UTC); null when not silenced or the silence has ended. */
	silenced_until: string | null;
	silence_reason: string | null;
	silenced_by_name: string | null;
}
