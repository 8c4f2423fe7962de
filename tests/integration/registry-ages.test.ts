import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { commitRows } from '../../src/lib/server/registry/registration';
import { demographics } from '../../src/lib/server/registry/demographics';
import { searchResidents } from '../../src/lib/server/registry/residents';
import { residentFiltersSchema } from '../../src/lib/schemas/registry';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { newKk, residentRow } from '../factories/registry';

// Ages are counted on fixed days, never on the clock. 28 February 2026 is in a common
// year: whoever was born on 29 February has their birthday that day.
const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let admin: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	const people = [
		['Lahir Kabisat', '2008-02-29'],
		['Lahir Maret', '2008-03-01'],
		['Anak Kabisat', '2016-02-29']
	];
	const rows = people.map(([name, birth], i) => residentRow(i + 1, { kk: newKk(), rt: '1', name: name!, birth_date: birth! }));
	const written = await commitRows(db, keys, admin, rows);
	if (!written.ok) throw new Error(JSON.stringify(written.errors));
});
afterAll(async () => db?.close());

const names = async (age: string, today: string) =>
	(await searchResidents(db, admin, residentFiltersSchema.parse({ age }), today)).rows.map((r) => r.name).sort();

describe('age cut-offs for someone born on 29 February', () => {
	it('counts them 18 on 28 February of a common year, and someone born on 1 March not yet', async () => {
		expect(await names('adult', '2026-02-28')).toEqual(['Lahir Kabisat']);
		expect(await names('child', '2026-02-28')).toEqual(['Anak Kabisat', 'Lahir Maret']);
		expect(await names('adult', '2026-02-27')).toEqual([]);
		expect(await names('adult', '2026-03-01')).toEqual(['Lahir Kabisat', 'Lahir Maret']);
	});

	it('puts them in the age band of their new age on that day (the pyramid agrees with the filter)', async () => {
		const band = async (today: string, label: string) =>
			(await demographics(db, admin, undefined, today)).pyramid.find((b) => b.band === label)!.L;
		expect(await band('2026-02-28', '10-14')).toBe(1);
		expect(await band('2026-02-28', '5-9')).toBe(0);
		expect(await band('2026-02-27', '5-9')).toBe(1);
	});
});
