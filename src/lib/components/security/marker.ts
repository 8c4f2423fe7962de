import { siagaOf } from '$lib/domain/flood';
import type { DeviceRow } from '$lib/views/devices';
import type { LevelView } from '$lib/views/alerts';

/**
 * How a device looks on the map, never by colour alone: a sensor shows its Siaga level
 * as a number (N normal, ? no data) in a shape that grows sharper as it worsens; a
 * panic button is P and a pump M; an offline device is struck through with ✕.
 */
export interface MarkerLook {
	text: string;
	/** CSS classes: the shape and colour. */
	className: string;
}

export function markerLook(d: DeviceRow, level: LevelView | undefined): MarkerLook {
	const offline = d.disabled_at !== null || d.status === 'offline';
	if (d.kind !== 'sensor') {
		return { text: `${d.kind === 'panic' ? 'P' : 'M'}${offline ? '✕' : ''}`, className: `pin health ${offline ? 'down' : d.status === 'online' ? 'up' : 'unknown'}` };
	}
	const siaga = level ? level.siaga ?? (level.levelCm === null ? null : siagaOf(level.levelCm, d)) : siagaOf(d.last_level_cm, d);
	const hasLevel = level ? level.levelCm !== null : d.last_level_cm !== null;
	const text = siaga === null ? (hasLevel ? 'N' : '?') : siaga === 4 ? 'N' : String(siaga);
	return { text: `${text}${offline ? '✕' : ''}`, className: `pin siaga-${siaga ?? 'none'}${offline ? ' down' : ''}` };
}
