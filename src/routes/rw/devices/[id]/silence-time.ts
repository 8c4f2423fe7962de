/** An ISO time as a `datetime-local` value in WIB (UTC+7, no daylight saving); '' for none. */
export function formDateTimeOf(iso: string | null): string {
	if (!iso) return '';
	return new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 16);
}
