import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { decryptPii, piiKeysFrom } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { checkRows, type RawRow } from './row-check';
import { checkSheet, OFF_THREAD_ROWS } from './row-check-client';
import { newKk, residentRow } from '../../../../tests/factories/registry';

const keys = piiKeysFrom(randomBytes(32));
const rts = [
	{ id: '00000000-0000-4000-8000-000000000001', number: 1 },
	{ id: '00000000-0000-4000-8000-000000000002', number: 2 }
];
/** The head of RT 1: rows of RT 2 are not theirs to write. */
const head: SessionUser = {
	id: '00000000-0000-4000-8000-0000000000aa',
	sessionId: 's',
	name: 'Ketua RT 1',
	phone: '+6281200000000',
	locale: 'id',
	rwId: '00000000-0000-4000-8000-0000000000bb',
	rwCode: 'RW01',
	rwName: 'RW 01',
	roles: ['rt_head'],
	headOfRtIds: [rts[0]!.id],
	rtId: rts[0]!.id,
	houseId: null,
	expiresAt: new Date('2026-12-31T00:00:00Z')
};

/** `n` valid rows of RT 1, two people per KK, each KK at a house of its own. */
function sheet(n: number): RawRow[] {
	const kks = Array.from({ length: Math.ceil(n / 2) }, () => newKk());
	return Array.from({ length: n }, (_, i) =>
		residentRow(i + 2, { kk: kks[Math.floor(i / 2)]!, rt: '1', house_number: String(Math.floor(i / 2) + 1), relation: i % 2 ? 'anak' : 'kepala_keluarga' })
	);
}

describe("a large sheet's row checks", () => {
	it('run in another thread, with the results the checks give on this one', async () => {
		const rows = sheet(OFF_THREAD_ROWS + 20);
		// Wrong in each way the checks know: a field, a NIK twice, another RT, a KK at two houses.
		rows[3]!.values.birth_date = '2099-01-01';
		rows[10]!.values.nik = rows[11]!.values.nik;
		rows[20]!.values.rt = '2';
		rows[31]!.values.house_number = '999';
		const off = await checkSheet(keys, head, rts, rows, false);
		expect(off.thread.threadId).not.toBe(threadId);
		expect(off.thread.nice).toBeGreaterThan(os.getPriority());
		const here = checkRows(keys, head, rts, rows, false);
		expect(off.errors).toEqual(here.errors);
		expect(off.errors.map((e) => `${e.line} ${e.field} ${e.message}`)).toEqual(
			expect.arrayContaining(['12 nik errors.nik_duplicate_rows', '13 nik errors.nik_duplicate_rows', '22 rt errors.rt_not_yours', '33 kk errors.kk_house_conflict'])
		);
		expect(off.valid).toEqual(here.valid);
		expect(off.nikHashes).toEqual(here.nikHashes);
		expect(off.kkHashes).toEqual(here.kkHashes);
	});

	it('seal every valid row off the main thread, each KK once, and let its timers run meanwhile', async () => {
		const rows = sheet(OFF_THREAD_ROWS + 1);
		let timerFired = false;
		setTimeout(() => (timerFired = true), 0);
		const checking = checkSheet(keys, head, rts, rows, true);
		const off = await checking;
		expect(timerFired).toBe(true);
		expect(off.thread.threadId).not.toBe(threadId);
		expect(off.thread.nice).toBeGreaterThan(os.getPriority());
		expect(off.errors).toEqual([]);
		expect(off.valid).toHaveLength(rows.length);
		for (const [i, row] of off.valid.entries()) {
			expect(decryptPii(keys, 'nik', row.sealed!.nik.nik_enc)).toBe(rows[i]!.values.nik);
			expect(row.sealed!.nik.nik_hash).toBe(row.nikHash);
			expect(decryptPii(keys, 'kk', row.sealed!.kk.kk_enc)).toBe(rows[i]!.values.kk);
			expect(row.sealed!.kk.kk_hash).toBe(row.kkHash);
		}
		// The two people of a KK share its one ciphertext.
		expect(off.valid[0]!.sealed!.kk.kk_enc).toBe(off.valid[1]!.sealed!.kk.kk_enc);
	});

	it('of a small sheet (the add form) run here, without starting a worker', async () => {
		const small = await checkSheet(keys, head, rts, sheet(2), true);
		expect(small.thread.threadId).toBe(threadId);
		expect(small.valid).toHaveLength(2);
	});
});
