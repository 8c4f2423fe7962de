import { describe, expect, it } from 'vitest';
import { IMPORT_FIELDS, missingRequired, REQUIRED_FIELDS, suggestMapping, type ImportField } from './column-mapping';

describe('suggestMapping', () => {
	it.each<[string, ImportField]>([
		['NIK', 'nik'],
		['No. NIK', 'nik'],
		['Nomor Induk Kependudukan', 'nik'],
		['Nomor Induk Kependudukan (NIK)', 'nik'],
		['NIK KTP', 'nik'],
		['No KK', 'kk'],
		['Nomor KK', 'kk'],
		['No. Kartu Keluarga', 'kk'],
		['Nama', 'name'],
		['NAMA LENGKAP', 'name'],
		['Tempat Lahir', 'birth_place'],
		['Tgl Lahir', 'birth_date'],
		['Tgl. Lahir', 'birth_date'],
		['Tanggal Lahir', 'birth_date'],
		['Date of birth', 'birth_date'],
		['JK', 'sex'],
		['L/P', 'sex'],
		['Jenis Kelamin', 'sex'],
		['Sex', 'sex'],
		['Agama', 'religion'],
		['Status Perkawinan', 'marital_status'],
		['Status Kawin', 'marital_status'],
		['Hubungan Keluarga', 'relation'],
		['SHDK', 'relation'],
		['Hubungan dengan Kepala Keluarga', 'relation'],
		['Hubungan dgn Kepala Keluarga', 'relation'],
		['Pekerjaan', 'occupation'],
		['No HP', 'phone'],
		['No. Telp', 'phone'],
		['Telepon', 'phone'],
		['HP', 'phone'],
		['Telepon/WA', 'phone'],
		['RT', 'rt'],
		['Blok', 'block'],
		['No Rumah', 'house_number'],
		['Nomor Rumah', 'house_number'],
		['Alamat', 'address'],
		['Alamat Lengkap (Jalan/Gang)', 'address'],
		['Status', 'status'],
		['Status Warga', 'status'],
		['Status Penduduk', 'status']
	])('%j → %s', (header, field) => {
		expect(suggestMapping(['Keterangan', header])).toEqual({ [field]: 1 });
	});

	it('leaves a bare "No." (the row number in Indonesian tables) unmapped', () => {
		expect(suggestMapping(['No.', 'Nama'])).toEqual({ name: 1 });
	});

	it('maps a typical RT register', () => {
		const headers = ['No.', 'NIK', 'No. KK', 'Nama Lengkap', 'L/P', 'Tempat Lahir', 'Tgl. Lahir', 'Agama', 'Status Perkawinan', 'SHDK', 'Pekerjaan', 'No. HP', 'RT', 'Blok', 'No. Rumah', 'Alamat', 'Status Warga'];
		expect(suggestMapping(headers)).toEqual({
			house_number: 14,
			nik: 1,
			kk: 2,
			name: 3,
			sex: 4,
			birth_place: 5,
			birth_date: 6,
			religion: 7,
			marital_status: 8,
			relation: 9,
			occupation: 10,
			phone: 11,
			rt: 12,
			block: 13,
			address: 15,
			status: 16
		});
	});

	it('prefers the most specific match: "Status Perkawinan" is never status', () => {
		expect(suggestMapping(['Status Perkawinan', 'Status'])).toEqual({ marital_status: 0, status: 1 });
		expect(suggestMapping(['Status', 'Status Perkawinan'])).toEqual({ status: 0, marital_status: 1 });
		expect(suggestMapping(['Status Perkawinan'])).toEqual({ marital_status: 0 });
		expect(suggestMapping(['Status Hubungan Dalam Keluarga', 'Status'])).toEqual({ relation: 0, status: 1 });
		// A whole-header match beats a match inside a longer header.
		expect(suggestMapping(['NIK (sesuai KTP)', 'NIK'])).toEqual({ nik: 1 });
		expect(suggestMapping(['Nomor Induk Kependudukan (lama)', 'NIK'])).toEqual({ nik: 1 });
	});

	it('uses each column once and each field once, leftmost first', () => {
		expect(suggestMapping(['NIK', 'NIK'])).toEqual({ nik: 0 });
		expect(suggestMapping(['Nama', 'Name'])).toEqual({ name: 0 });
		expect(suggestMapping(['Agama/Pekerjaan'])).toEqual({ religion: 0 });
	});

	it('leaves unknown and other-person headers unmapped', () => {
		expect(suggestMapping(['No. Urut', 'Keterangan', '', '  ', 'Nama Ayah', 'NIK Kepala Keluarga', 'Pekerjaan Ibu', 'RT/RW'])).toEqual({});
	});

	it('is case- and punctuation-insensitive', () => {
		expect(suggestMapping(['  nomor   induk-kependudukan ', 'TANGGAL_LAHIR', 'l / p'])).toEqual({ nik: 0, birth_date: 1, sex: 2 });
	});
});

describe('missingRequired', () => {
	it('lists required fields without a column, in a fixed order', () => {
		expect(missingRequired({})).toEqual(['nik', 'kk', 'name', 'birth_date', 'sex', 'rt', 'house_number']);
		expect(missingRequired({ nik: 0, name: 2, rt: 5, phone: 7 })).toEqual(['kk', 'birth_date', 'sex', 'house_number']);
	});

	it('is empty once every required field has a column (column 0 counts)', () => {
		const all = Object.fromEntries(REQUIRED_FIELDS.map((field, i) => [field, i]));
		expect(missingRequired(all)).toEqual([]);
		expect(REQUIRED_FIELDS.every((f) => IMPORT_FIELDS.includes(f))).toBe(true);
	});
});

describe('suggestMapping with a single address column', () => {
	const headers = ['No', 'NIK', 'No KK', 'Nama', 'Tgl Lahir', 'JK', 'RT', 'Alamat'];
	const row = (address: string) => ({ cells: ['1', '3172061705800001', '3172060101200001', 'Budi', '17-05-1980', 'L', '001', address] });

	it('suggests the address column for the house number when its cells are block and number', () => {
		const rows = ['Blok C9 No. 23', 'Blok C9 No. 24', 'C9/25', 'Blk D1 No 3A', 'Blok C-9 No 23A'].map(row);
		const mapping = suggestMapping(headers, rows);
		expect(mapping.house_number).toBe(7);
		expect(mapping.address).toBeUndefined();
		expect(missingRequired(mapping)).toEqual([]);
	});

	it('keeps a street address as the address, and a named house-number column as the house number', () => {
		expect(suggestMapping(headers, ['Jl. Melati Raya', 'Jl. Mawar 5', 'Gg. Haji Naim'].map(row))).toMatchObject({ address: 7 });
		expect(suggestMapping(headers, ['Jl. Melati Raya'].map(row)).house_number).toBeUndefined();
		const named = suggestMapping([...headers, 'No Rumah'], [{ cells: [...row('Blok C9 No. 23').cells, '23'] }]);
		expect(named).toMatchObject({ house_number: 8, address: 7 });
		expect(suggestMapping(headers)).toMatchObject({ address: 7 });
	});
});
