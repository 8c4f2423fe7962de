/**
 * Pick-up slots at the RW secretariat (docs/domain.md, "Administrative letters"): office hours are given per
 * ISO weekday in WIB; each period is cut into slots of `slotMinutes`. Pure.
 */
export interface OfficeHours {
	/** ISO weekday: 1 = Senin … 7 = Minggu. */
	weekday: number;
	/** `HH:MM` WIB */
	start: string;
	end: string;
}

const WIB_OFFSET_MS = 7 * 3600_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Slot starts (UTC instants) in the `days` WIB calendar days from `now`'s day, that
 * start at least `leadMinutes` after now and end within the office period.
 */
export function pickupSlots(hours: readonly OfficeHours[], slotMinutes: number, now: Date, days: number, leadMinutes = 30): Date[] {
	const slots: Date[] = [];
	const wibNow = new Date(now.getTime() + WIB_OFFSET_MS);
	const dayStartUtc = Date.UTC(wibNow.getUTCFullYear(), wibNow.getUTCMonth(), wibNow.getUTCDate()) - WIB_OFFSET_MS;
	const earliest = now.getTime() + leadMinutes * 60_000;
	for (let d = 0; d < days; d++) {
		const midnight = dayStartUtc + d * 86_400_000;
		const isoWeekday = ((new Date(midnight + WIB_OFFSET_MS).getUTCDay() + 6) % 7) + 1;
		const periods = hours.filter((h) => h.weekday === isoWeekday).sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
		for (const period of periods) {
			for (let m = minutesOf(period.start); m + slotMinutes <= minutesOf(period.end); m += slotMinutes) {
				const at = midnight + m * 60_000;
				if (at >= earliest) slots.push(new Date(at));
			}
		}
	}
	return slots;
}
