import { formatDateTime } from '$lib/domain/time';
import { locale, t } from '$lib/i18n/t.svelte';
import type { AlarmView } from '$lib/views/alerts';

/** What an alarm is, in words: "Kritis · Tinggi air · Siaga 1 – bencana". */
export function alarmTitle(a: AlarmView): string {
	const parts = [t(`alarm.severity.${a.severity}`), t(`alarm.type.${a.type}`)];
	if (a.siaga !== null) parts.push(t(`siaga.${a.siaga}`));
	return parts.join(' · ');
}

/** The engine's details as short lines: level, rise rate, the ETA to the next Siaga level, battery. */
export function alarmDetails(a: AlarmView): string[] {
	const d = a.details;
	const lines: string[] = [];
	if (d.levelCm !== undefined) lines.push(t('security.detail_level', { level: Math.round(d.levelCm) }));
	if (d.risePer10Min !== undefined && d.risePer10Min !== 0) {
		const rate = Math.abs(d.risePer10Min).toFixed(1);
		lines.push(t(d.risePer10Min > 0 ? 'security.detail_rise' : 'security.detail_fall', { rate }));
	}
	if (d.nextSiaga !== undefined && d.etaMinutes !== undefined) lines.push(t('security.detail_eta', { level: d.nextSiaga, minutes: Math.round(d.etaMinutes) }));
	if (d.batteryV !== undefined) lines.push(t('security.detail_battery', { volts: d.batteryV.toFixed(2) }));
	return lines;
}

export const when = (iso: string) => formatDateTime(iso, locale());
