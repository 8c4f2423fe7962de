import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskId } from '../../src/lib/domain/nik';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { newKk, nikFor } from '../factories/registry';

let db: Database;
beforeAll(async () => {
	db = await freshDatabase();
});
afterAll(async () => db?.close());

describe('one NIK/KK mask', () => {
	it('shows only the last four digits, in TypeScript and in SQL alike', async () => {
		const ids = [nikFor('1990-01-31', 'L'), nikFor('1985-07-04', 'P', '317501'), newKk(), '3175014101900001'];
		for (const id of ids) {
			const mask = maskId(id);
			expect(mask).toBe(`${'•'.repeat(12)}${id.slice(-4)}`);
			expect(mask).not.toContain(id.slice(0, 4));
			const [row] = await db.query<{ mask: string }>('select app.mask_id($1) as mask', [id]);
			expect(row!.mask).toBe(mask);
		}
	});

	it('turns a mask stored the old way into the new one (as the migration did)', async () => {
		const [row] = await db.query<{ mask: string }>('select app.mask_id($1) as mask', ['3175••••••••0001']);
		expect(row!.mask).toBe(maskId('3175014101900001'));
	});
});
