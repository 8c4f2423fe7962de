/**
 * Indonesian mobile numbers. Residents type them as `0812…`, `+62812…`, `62812…`,
 * often with spaces or dashes; we store one canonical form, `+62812…` (E.164).
 * Mobile numbers start with 8 after the country code and have 9–13 digits after
 * the 0 trunk prefix (e.g. 0812-3456-789 up to 0812-3456-78901).
 */
const CANONICAL = /^\+628\d{7,12}$/;

export function normalizePhone(input: string): string | null {
	const compact = input.replace(/[\s\-().]/g, '');
	let national: string;
	if (compact.startsWith('+62')) national = compact.slice(3);
	else if (compact.startsWith('62')) national = compact.slice(2);
	else if (compact.startsWith('0')) national = compact.slice(1);
	else return null;
	if (national.startsWith('0')) return null;
	const canonical = `+62${national}`;
	return CANONICAL.test(canonical) ? canonical : null;
}

/** `+6281200000001` → `0812-0000-0001`, the way people read numbers here. */
export function formatPhone(canonical: string): string {
	const national = `0${canonical.replace(/^\+62/, '')}`;
	return national.replace(/^(\d{4})(\d{4})(\d+)$/, '$1-$2-$3');
}

/** `+6281200000001` → `0812••••0001`: enough to recognise, not to misuse. */
export function maskPhone(canonical: string): string {
	const national = `0${canonical.replace(/^\+62/, '')}`;
	return `${national.slice(0, 4)}${'•'.repeat(Math.max(0, national.length - 8))}${national.slice(-4)}`;
}
