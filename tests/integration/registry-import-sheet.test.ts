import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { suggestMapping } from '../../src/lib/server/registry/column-mapping';
import { commitRows, dryRun, rowsFromSheet } from '../../src/lib/server/registry/registration';
import { searchResidents } from '../../src/lib/server/registry/residents';
import { residentFiltersSchema } from '../../src/lib/schemas/registry';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { newKk, nikFor, residentRow } from '../factories/registry';

/** A real RT sheet's shapes: one address column, a NIK typed twice, rows of other RTs. */

const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let admin: Awaited<ReturnType<typeof makeMember>>;
let head1: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	head1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
});
afterAll(async () => db?.close());

const errorsOf = (plan: { errors: { line: number; field: string; message: string }[] }) => plan.errors.map((e) => [e.line, e.field, e.message]);

describe('an RT sheet with one address column', () => {
	it('maps "Alamat" to the house number, splits block and number, and the search finds "C9 23"', async () => {
		const headers = ['No', 'NIK', 'No. KK', 'Nama Lengkap', 'Tgl Lahir', 'L/P', 'SHDK', 'RT', 'Alamat'];
		const kk1 = newKk();
		const kk2 = newKk();
		const person = (line: number, name: string, kk: string, address: string, relation = 'Kepala Keluarga') => ({
			line,
			cells: [String(line - 1), nikFor('1980-05-17', 'L'), kk, name, '17-05-1980', 'L', relation, '001', address]
		});
		const sheet = {
			rows: [
				person(2, 'Bambang Cahyono', kk1, 'Blok C9 No. 23'),
				person(3, 'Agus Cahyono', kk1, 'BLOK C9 NO. 23', 'Anak'),
				person(4, 'Dedi Kurnia', kk2, 'Blok C-9 No 23A')
			],
			warnings: []
		};
		const mapping = suggestMapping(headers, sheet.rows);
		expect(mapping).toMatchObject({ house_number: 8, rt: 7, nik: 1, kk: 2 });
		expect(mapping.address).toBeUndefined();
		const result = await commitRows(db, keys, head1, rowsFromSheet(sheet, mapping));
		expect(result).toEqual({ ok: true, residents: 3, households: 2 });
		const houses = await db.query<{ block: string; number: string }>('select block, number from house where rw_id = $1 and block = $2 order by number', [rw.id, 'C9']);
		expect(houses).toEqual([{ block: 'C9', number: '23' }, { block: 'C9', number: '23A' }]);
		const found = await searchResidents(db, head1, residentFiltersSchema.parse({ house: 'C9 23' }));
		expect(found.rows.map((r) => r.name).sort()).toEqual(['Agus Cahyono', 'Bambang Cahyono']);
	});
});

describe('rows the dry run must report', () => {
	it('reports a NIK typed twice on both rows, also when one of them has another error', async () => {
		const kk = newKk();
		const first = residentRow(2, { kk, rt: '1', house_number: '40' });
		// The same NIK copied onto a relative born on another day.
		const copied = residentRow(3, { kk, rt: '1', house_number: '40', nik: first.values.nik!, birth_date: '2005-01-09', relation: 'anak' });
		const fine = residentRow(4, { kk, rt: '1', house_number: '40', relation: 'istri', sex: 'P' });
		const plan = await dryRun(db, keys, admin, [first, copied, fine]);
		expect(errorsOf(plan)).toEqual([
			[2, 'nik', 'errors.nik_duplicate_rows'],
			[3, 'nik', 'errors.nik_birth_date_mismatch'],
			[3, 'nik', 'errors.nik_duplicate_rows']
		]);
		// The same NIK written with spaces or dots is the same NIK.
		const spaced = { line: 5, values: { ...fine.values, nik: fine.values.nik!.replace(/(\d{6})(\d{6})/, '$1.$2 ') } };
		expect(errorsOf(await dryRun(db, keys, admin, [fine, spaced]))).toEqual([
			[4, 'nik', 'errors.nik_duplicate_rows'],
			[5, 'nik', 'errors.nik_duplicate_rows']
		]);
	});

	it('gives every row of another RT the "another RT" error, also a row with another mistake', async () => {
		const rows = [
			residentRow(2, { kk: newKk(), rt: '2', house_number: '50' }),
			residentRow(3, { kk: newKk(), rt: '002', house_number: '51', phone: '12345' }),
			residentRow(4, { kk: '123', rt: 'RT 02', house_number: '52' }),
			residentRow(5, { kk: newKk(), rt: '9', house_number: '53', religion: 'Jedi' })
		];
		expect(errorsOf(await dryRun(db, keys, head1, rows))).toEqual([
			[2, 'rt', 'errors.rt_not_yours'],
			[3, 'phone', 'errors.phone_invalid'],
			[3, 'rt', 'errors.rt_not_yours'],
			[4, 'kk', 'errors.kk_length'],
			[4, 'rt', 'errors.rt_not_yours'],
			[5, 'religion', 'errors.invalid_choice'],
			[5, 'rt', 'errors.unknown_rt']
		]);
	});
});
