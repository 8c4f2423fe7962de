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
