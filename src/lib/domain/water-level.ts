/**
 * What a resident and a visitor of the public flood page read from the sensors
 * (docs/domain.md, "Flood monitoring"): the level of the sensor nearest to them, its
 * Siaga level, and whether the water rises or falls. Pure: no I/O.
 */
import type { Siaga, Thresholds } from './flood';

export type Trend = 'rising' | 'falling' | 'steady';

/** A change smaller than this over ~10 minutes is noise of the echo, not a trend. */
export const TREND_MIN_CM = 2;

/** Rising, falling or steady from the level ~10 minutes before; null without an earlier level. */
export function trendOf(levelCm: number | null, earlierCm: number | null): Trend | null {
	if (levelCm === null || earlierCm === null) return null;
	const change = levelCm - earlierCm;
	if (change >= TREND_MIN_CM) return 'rising';
	if (change <= -TREND_MIN_CM) return 'falling';
	return 'steady';
}

export interface SensorPoint extends Thresholds {
	deviceId: string;
	rtId: string | null;
	lat: number | null;
	lng: number | null;
}

export interface Point {
	lat: number;
	lng: number;
}

/** Squared distance on a small area (an RW is under a kilometre across): enough to rank. */
function distance2(a: Point, b: Point): number {
	const dLat = a.lat - b.lat;
	const dLng = (a.lng - b.lng) * Math.cos((a.lat * Math.PI) / 180);
	return dLat * dLat + dLng * dLng;
}

/**
 * The sensor a resident of `rtId` reads: one in their RT (the nearest to the RT's houses
 * when there are several), else the RW's sensor nearest to the RT's houses, else the
 * first one. Null when the RW has no sensor.
 */
export function nearestSensor<S extends SensorPoint>(sensors: readonly S[], rtId: string | null, centre: Point | null): S | null {
	if (sensors.length === 0) return null;
	const own = rtId ? sensors.filter((s) => s.rtId === rtId) : [];
	const pool = own.length > 0 ? own : sensors;
	if (!centre) return pool[0]!;
	let best: S | null = null;
	let bestD = Infinity;
	for (const s of pool) {
		if (s.lat === null || s.lng === null) continue;
		const d = distance2(centre, { lat: s.lat, lng: s.lng });
		if (d < bestD) [best, bestD] = [s, d];
	}
	return best ?? pool[0]!;
}

export interface AreaLevel {
	rtId: string | null;
	siaga: Siaga | null;
}

/** The Siaga level from which pumps of an area are suggested: Siaga 2 (kritis) or worse. */
export const PUMP_SUGGEST_SIAGA = 2;

/**
 * Whether a pump should be suggested: an area at Siaga 2 or worse, in the pump's RT, or
 * anywhere in the RW when the pump has no RT.
 */
export function pumpSuggested(pumpRtId: string | null, levels: readonly AreaLevel[]): boolean {
	return levels.some((l) => l.siaga !== null && l.siaga <= PUMP_SUGGEST_SIAGA && (pumpRtId === null || l.rtId === pumpRtId));
}
