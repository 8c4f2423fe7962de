/**
 * NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers: 16 digits.
 * NIK layout (Permendagri 73/2022 on civil registration numbers):
 *   PP RR DD  ddmmyy  SSSS
 *   province, regency/city, district; birth date (day + 40 for women); sequence.
 * A KK number starts with the same 6-digit region code and ends in a sequence.
 */
export type IdError =
	| 'required'
	| 'length'
	| 'digits'
	| 'region'
	| 'birth_date'
	| 'birth_date_mismatch'
	| 'sex_mismatch'
	| 'sequence';

export type Sex = 'L' | 'P';

export interface NikParts {
	province: string;
	regency: string;
	district: string;
	day: number;
	month: number;
	year2: number;
	sex: Sex;
	sequence: string;
}

/** Province codes run from 11 (Aceh) to 9x (Papua provinces); regency and district are never 00. */
function regionError(id: string): IdError | null {
	const province = Number(id.slice(0, 2));
	if (province < 11 || province > 99) return 'region';
	if (id.slice(2, 4) === '00' || id.slice(4, 6) === '00') return 'region';
	return null;
}

function shapeError(id: string): IdError | null {
	if (id.length === 0) return 'required';
	if (!/^\d*$/.test(id)) return 'digits';
	if (id.length !== 16) return 'length';
	return null;
}

/** Removes the spaces, dots and dashes people type between digit groups. */
export function cleanId(input: string): string {
	return input.replace(/[\s.-]/g, '');
}

export function parseNik(input: string): { ok: true; parts: NikParts } | { ok: false; error: IdError } {
	const nik = cleanId(input);
	const shape = shapeError(nik) ?? regionError(nik);
	if (shape) return { ok: false, error: shape };
	const rawDay = Number(nik.slice(6, 8));
	const month = Number(nik.slice(8, 10));
	const year2 = Number(nik.slice(10, 12));
	const sex: Sex = rawDay > 40 ? 'P' : 'L';
	const day = sex === 'P' ? rawDay - 40 : rawDay;
	// Any year: 29 February needs a leap year, which yy alone cannot tell (2000 vs 1900).
	const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
	if (!daysInMonth || day < 1 || day > daysInMonth) return { ok: false, error: 'birth_date' };
	const sequence = nik.slice(12);
	if (sequence === '0000') return { ok: false, error: 'sequence' };
	return {
		ok: true,
		parts: { province: nik.slice(0, 2), regency: nik.slice(2, 4), district: nik.slice(4, 6), day, month, year2, sex, sequence }
	};
}

/**
 * Checks a NIK against the recorded birth date (`YYYY-MM-DD`) and sex: digits 7–12
 * are the birth date, with 40 added to the day for women.
 */
export function checkNik(input: string, person: { birthDate: string; sex: Sex }): IdError | null {
	const parsed = parseNik(input);
	if (!parsed.ok) return parsed.error;
	const [y, m, d] = person.birthDate.split('-').map(Number) as [number, number, number];
	const { parts } = parsed;
	if (parts.day !== d || parts.month !== m || parts.year2 !== y % 100) return 'birth_date_mismatch';
	if (parts.sex !== person.sex) return 'sex_mismatch';
	return null;
}

export function checkKk(input: string): IdError | null {
	const kk = cleanId(input);
	const shape = shapeError(kk) ?? regionError(kk);
	if (shape) return shape;
	if (kk.slice(12) === '0000') return 'sequence';
	return null;
}

/**
 * `3175014101900001` → `••••••••••••0001` (UU 27/2022: shown masked everywhere).
 * Only the last four digits: the first four are the region code, which with the
 * RW's region and the birth date shown beside the mask would give the whole number
 * away. The same mask as `app.mask_id` in SQL.
 */
export function maskId(id: string): string {
	return `${'•'.repeat(12)}${id.slice(-4)}`;
}
