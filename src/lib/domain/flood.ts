/**
 * Flood alert levels as Jakarta's water gates use them (docs/domain.md, "Flood monitoring"):
 * Siaga 4 normal, 3 alert (waspada), 2 critical (kritis), 1 disaster (bencana), with
 * each sensor's thresholds in cm of water level.
 */
export type Siaga = 1 | 2 | 3 | 4;

export interface Thresholds {
	siaga3_cm: number | null;
	siaga2_cm: number | null;
	siaga1_cm: number | null;
}

/** The level a reading stands at; null without a reading or without thresholds. */
export function siagaOf(levelCm: number | null, t: Thresholds): Siaga | null {
	if (levelCm === null || t.siaga3_cm === null || t.siaga2_cm === null || t.siaga1_cm === null) return null;
	if (levelCm >= t.siaga1_cm) return 1;
	if (levelCm >= t.siaga2_cm) return 2;
	if (levelCm >= t.siaga3_cm) return 3;
	return 4;
}

/**
 * The Siaga level a sensor is shown at, wherever it is shown (the security post, the
 * public flood page, a resident's home, the pumps): the level the alarm engine holds,
 * which is that of the sensor's active flood alarm, else normal (4). One reading over
 * a threshold is not yet a level and one under it does not end one (median filter,
 * hold time: docs/architecture.md, "Alarms"). A silenced sensor raises no alarm: its
 * level is read from `levelCm`, the last reading. Null without thresholds, or without
 * a reading when no alarm is active.
 */
export function heldSiaga(levelCm: number | null, t: Thresholds, flood: { alarmSiaga: number | null; silenced: boolean }): Siaga | null {
	const raw = siagaOf(levelCm, t);
	if (flood.silenced) return raw;
	if (flood.alarmSiaga !== null && isSiaga(flood.alarmSiaga)) return flood.alarmSiaga;
	return raw === null ? null : 4;
}

const isSiaga = (n: number): n is Siaga => n === 1 || n === 2 || n === 3 || n === 4;

export interface LevelPoint {
	/** Start of the minute or hour (ISO, UTC). */
	at: string;
	min_cm: number;
	max_cm: number;
	avg_cm: number;
	last_cm: number;
}

export interface DaySummary {
	/** `YYYY-MM-DD` in WIB. */
	day: string;
	min_cm: number;
	max_cm: number;
	avg_cm: number;
}

/** Points summed up per bucket (`keyOf`), oldest bucket first. */
function summarise(points: LevelPoint[], keyOf: (p: LevelPoint) => string): { key: string; min_cm: number; max_cm: number; avg_cm: number }[] {
	const buckets = new Map<string, { min: number; max: number; sum: number; n: number }>();
	for (const p of points) {
		const key = keyOf(p);
		const b = buckets.get(key);
		if (b) {
			b.min = Math.min(b.min, p.min_cm);
			b.max = Math.max(b.max, p.max_cm);
			b.sum += p.avg_cm;
			b.n++;
		} else buckets.set(key, { min: p.min_cm, max: p.max_cm, sum: p.avg_cm, n: 1 });
	}
	return [...buckets]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([key, b]) => ({ key, min_cm: b.min, max_cm: b.max, avg_cm: Math.round((b.sum / b.n) * 10) / 10 }));
}

/** Hourly points summed up per WIB day, oldest first (the table beside the 30-day chart). */
export function daily(points: LevelPoint[]): DaySummary[] {
	return summarise(points, (p) => new Date(Date.parse(p.at) + 7 * 3600_000).toISOString().slice(0, 10)).map(({ key, ...s }) => ({ day: key, ...s }));
}

export interface HourSummary {
	/** Start of the hour (ISO, UTC). */
	at: string;
	min_cm: number;
	max_cm: number;
	avg_cm: number;
}

/** Per-minute points summed up per hour, newest first (the table beside the 24-hour chart). */
export function hourly(points: LevelPoint[]): HourSummary[] {
	return summarise(points, (p) => `${p.at.slice(0, 13)}:00:00Z`)
		.reverse()
		.map(({ key, ...s }) => ({ at: key, ...s }));
}
