import { siagaOf } from '$lib/domain/flood';
import { rtLabel } from '$lib/domain/registry';
import { formatDateTime } from '$lib/domain/time';
import { locale, t } from '$lib/i18n/t.svelte';
import type { DeviceRow } from '$lib/views/devices';

/** A device's health as the device lists and the device page show it (one wording everywhere). */
export function deviceHealth(d: DeviceRow) {
	const siaga = siagaOf(d.last_level_cm, d);
	const level = d.last_level_cm === null ? '—' : `${Math.round(d.last_level_cm)} cm`;
	return {
		where: `${t(`devices.kind_${d.kind}`)}${d.rt_number ? ` · ${rtLabel(d.rt_number)}` : ''}`,
		status: d.disabled_at ? t('devices.disabled') : t(`devices.status_${d.status}`),
		lastSeen: d.last_seen_at ? formatDateTime(d.last_seen_at, locale()) : '—',
		battery: d.battery_v === null ? '—' : `${d.battery_v.toFixed(2)} V`,
		level,
		/** "Missed N readings since …", or null when every counted reading arrived. */
		missed:
			d.missed_readings > 0
				? t('devices.missed', { count: d.missed_readings, since: d.missed_since ? formatDateTime(d.missed_since, locale()) : '—' })
				: null,
		/** The level with its Siaga level, when the sensor has thresholds. */
		levelSiaga: `${level}${siaga ? ` · ${t(`siaga.${siaga}`)}` : ''}`
	};
}
