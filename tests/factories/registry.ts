import type { RawRow } from '../../src/lib/server/registry/registration';

let sequence = 0;

/** A valid NIK for a birth date and sex (day + 40 for women), unique per call. */
export function nikFor(birthDate: string, sex: 'L' | 'P', region = '317206'): string {
	const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
	const day = String(d + (sex === 'P' ? 40 : 0)).padStart(2, '0');
	sequence++;
	return `${region}${day}${String(m).padStart(2, '0')}${String(y % 100).padStart(2, '0')}${String(sequence).padStart(4, '0')}`;
}

let kkSequence = 0;
export function newKk(): string {
	kkSequence++;
	return `317206${String(200000 + kkSequence).slice(-6)}${String(kkSequence).padStart(4, '0')}`;
}

/** One registry row as a spreadsheet or the form would give it. */
export function residentRow(
	line: number,
	overrides: Record<string, string> & { kk: string; rt: string }
): RawRow {
	const sex = (overrides.sex as 'L' | 'P' | undefined) ?? 'L';
	const birth = overrides.birth_date ?? '1980-05-17';
	return {
		line,
		values: {
			nik: nikFor(birth, sex),
			name: `Warga ${line}`,
			birth_place: 'Jakarta',
			birth_date: birth,
			sex,
			relation: 'kepala_keluarga',
			religion: 'Islam',
			marital_status: 'Kawin',
			occupation: 'Wiraswasta',
			block: 'A',
			house_number: String(line),
			status: 'Tetap',
			...overrides
		}
	};
}
