/**
 * Flood alert levels as Jakarta's water gates use them (DOMAIN.md, Flood monitoring):
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

/** Hourly points summed up per WIB day, oldest first (the table beside the 30-day chart). */
export function daily(points: LevelPoint[]): DaySummary[] {
	const days = new Map<string, { min: number; max: number; sum: number; n: number }>();
	for (const p of points) {
		const day = new Date(Date.parse(p.at) + 7 * 3600_000).toISOString().slice(0, 10);
		const d = days.get(day);
		if (d) {
			d.min = Math.min(d.min, p.min_cm);
			d.max = Math.max(d.max, p.max_cm);
			d.sum += p.avg_cm;
			d.n++;
		} else days.set(day, { min: p.min_cm, max: p.max_cm, sum: p.avg_cm, n: 1 });
	}
	return [...days]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([day, d]) => ({ day, min_cm: d.min, max_cm: d.max, avg_cm: Math.round((d.sum / d.n) * 10) / 10 }));
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
	const hours = new Map<string, { min: number; max: number; sum: number; n: number }>();
	for (const p of points) {
		const hour = `${p.at.slice(0, 13)}:00:00Z`;
		const h = hours.get(hour);
		if (h) {
			h.min = Math.min(h.min, p.min_cm);
			h.max = Math.max(h.max, p.max_cm);
			h.sum += p.avg_cm;
			h.n++;
		} else hours.set(hour, { min: p.min_cm, max: p.max_cm, sum: p.avg_cm, n: 1 });
	}
	return [...hours]
		.sort(([a], [b]) => b.localeCompare(a))
		.map(([at, h]) => ({ at, min_cm: h.min, max_cm: h.max, avg_cm: Math.round((h.sum / h.n) * 10) / 10 }));
}
