// The XLSX export: what the user may see, with full numbers, logged with its reason,
// and readable by the import again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { suggestMapping } from '../../src/lib/server/registry/column-mapping';
import { exportRegistry } from '../../src/lib/server/registry/export';
import { commitRows, dryRun, rowsFromSheet } from '../../src/lib/server/registry/registration';
import { readSpreadsheet } from '../../src/lib/server/registry/spreadsheet';
import { freshDatabase } from '../factories/db';
import { newKk, nikFor, residentRow } from '../factories/registry';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
});
afterAll(async () => db?.close());

describe('registry export', () => {
	it('writes the RT head\'s own RT in the words of an RT sheet, logs the reason, and reads back through the import', async () => {
		const head1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
		const head2 = await makeMember(db, rw, 'rt_head', { rtIndex: 1 });
		const kk = newKk();
		const mine = residentRow(1, { kk, rt: '1', name: 'Yanti Ekspor', sex: 'P', birth_date: '1988-03-04', relation: 'istri', status: 'Sementara' });
		mine.values.nik = nikFor('1988-03-04', 'P');
		expect(await commitRows(db, keys, head1, [mine])).toMatchObject({ ok: true });
		expect(await commitRows(db, keys, head2, [residentRow(2, { kk: newKk(), rt: '2', name: 'Orang RT Dua' })])).toMatchObject({ ok: true });

		const bytes = await exportRegistry(db, keys, head1, 'Rapat bulanan RT', '10.1.1.1');
		const read = await readSpreadsheet(bytes);
		if (!read.ok) throw new Error(read.error);
		const cell = (row: string[], header: string) => row[read.sheet.headers.indexOf(header)];
		const rows = read.sheet.rows.map((r) => r.cells);
		expect(rows.map((r) => cell(r, 'Nama'))).toEqual(['Yanti Ekspor']);
		const [yanti] = rows;
		expect(cell(yanti!, 'NIK')).toBe(mine.values.nik);
		expect(cell(yanti!, 'No KK')).toBe(kk);
		expect(cell(yanti!, 'Hubungan Keluarga')).toBe('Istri');
		expect(cell(yanti!, 'Status')).toBe('Sementara');
		expect(cell(yanti!, 'Agama')).toBe('Islam');
		expect(cell(yanti!, 'Status Perkawinan')).toBe('Kawin');

		expect(await db.query('select actor_id, field, reason, ip from pii_access_log where actor_id = $1', [head1.id])).toEqual([
			{ actor_id: head1.id, field: 'export', reason: 'Rapat bulanan RT', ip: '10.1.1.1' }
		]);

		// The import reads every column back; the only complaint is that the person is already registered.
		const plan = await dryRun(db, keys, head1, rowsFromSheet(read.sheet, suggestMapping(read.sheet.headers)));
		expect(plan.errors).toEqual([{ line: 2, field: 'nik', message: 'errors.nik_registered' }]);
	});
});
