/**
 * A sensor's water level as residents and visitors of the public flood page see it:
 * no person, house or device health (types only, for components).
 */
import type { Trend } from '$lib/domain/water-level';

export interface PublicLevel {
	deviceId: string;
	name: string;
	rtNumber: number | null;
	levelCm: number | null;
	/** 4 normal … 1 disaster, as the alarm engine holds it (heldSiaga); null without a reading or thresholds. */
	siaga: number | null;
	trend: Trend | null;
	/** When the last reading was taken (ISO, UTC; shown in WIB). */
	at: string | null;
}

export interface PublicRwLevels {
	rw: { code: string; name: string; kelurahan: string; city: string };
	sensors: PublicLevel[];
}
