import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { isRedirect, type RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import type { Database } from '../../src/lib/server/db/types';
import { userDb } from '../../src/lib/server/db/user-db';
import { setRuntime, type Runtime } from '../../src/lib/server/runtime';
import { checkOrCommit, loadUpload, suggestMapping, uploadAction } from '../../src/lib/web/registry/import-actions.server';
import { getImportJob } from '../../src/lib/server/registry/import-jobs';
import { putTemp } from '../../src/lib/server/storage/temp-files';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw } from '../factories/tenancy';
import { newKk, nikFor } from '../factories/registry';

// The import as the routes run it: upload → mapping → dry run → commit, on a real database.

const keys = piiKeysFrom(randomBytes(32));
const KIND_DIR = 'tmp/registry-import';
let db: Database;
let dataDir: string;
let head: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	dataDir = await mkdtemp(path.join(os.tmpdir(), 'rukun-import-'));
	const rw = await makeRw(db, 2, 1);
	head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
	useDatabase(db);
});
afterAll(async () => {
	await db?.close();
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function useDatabase(database: Database) {
	setRuntime({ config: { dataDir }, db: database, pii: keys } as unknown as Runtime);
}

function event(form: FormData): RequestEvent {
	const request = new Request('http://localhost/registry/import', { method: 'POST', body: form });
	return { locals: { user: head, db: userDb(db, head) }, request } as unknown as RequestEvent;
}

async function upload(name: string, bytes: Uint8Array): Promise<string> {
	const form = new FormData();
	form.set('file', new File([new Uint8Array(bytes)], name));
	try {
		await uploadAction(event(form));
	} catch (thrown) {
		if (isRedirect(thrown)) return thrown.location.replace('/registry/import/', '');
		throw thrown;
	}
	throw new Error('the upload did not redirect');
}

/** The upload's mapping as suggested from its headers, posted as the form does. */
async function mappingForm(id: string): Promise<FormData> {
	const uploaded = await loadUpload(event(new FormData()), id);
	const form = new FormData();
	for (const [field, column] of Object.entries(suggestMapping(uploaded!.sheet.headers))) form.set(`map_${field}`, String(column));
	return form;
}

async function dryRun(id: string) {
	const result = await checkOrCommit(event(await mappingForm(id)), id, false);
	if (!('checked' in result) || !result.checked) throw new Error(`no dry run: ${JSON.stringify(result)}`);
	return result.checked;
}

/** Commits and waits for the job to end. */
async function commit(id: string) {
	const result = await checkOrCommit(event(await mappingForm(id)), id, true);
	if (!('job' in result) || !result.job) throw new Error(`no job: ${JSON.stringify(result)}`);
	const job = getImportJob(result.job)!;
	await job.ended;
	return job;
}

const residents = async () => (await db.query<{ n: number }>('select count(*)::int as n from resident'))[0]!.n;
const tempFiles = async () => (await readdir(path.join(dataDir, KIND_DIR)).catch(() => [] as string[])).sort();

const HEADER = ['No KK', 'NIK', 'Nama', 'Tgl Lahir', 'L/P', 'Hubungan Keluarga', 'RT', 'Blok', 'No Rumah'];
const csvOf = (rows: string[][]) => [HEADER, ...rows].map((r) => r.join(';')).join('\r\n');
const person = (kk: string, nik: string, name: string, house: string) => [kk, nik, name, '17-05-1980', 'L', 'Kepala Keluarga', 'RT 001', 'A', house];

describe('spreadsheet import, step by step', () => {
	it('makes a NIK or KK typed as a number in Excel a row error, in the dry run and the commit', async () => {
		// Excel keeps 15 digits: 3172061705800012 typed as a number is saved as …0010.
		const bytes = await workbook((ws) => {
			ws.getCell('A1').value = 'DAFTAR WARGA RT 001 RW 005';
			ws.mergeCells('A1:I1');
			ws.getRow(3).values = HEADER;
			ws.getRow(4).values = [newKk(), 3172061705800010, 'Angka NIK', '17-05-1980', 'L', 'Kepala Keluarga', 1, 'A', '1'];
			ws.getRow(5).values = [3172060101200010, nikFor('1980-05-17', 'L'), 'Angka KK', '17-05-1980', 'L', 'Kepala Keluarga', 'RT 001', 'A', '2'];
			ws.getRow(6).values = [newKk(), nikFor('1980-05-17', 'L'), 'Teks', '17-05-1980', 'L', 'Kepala Keluarga', '01/05', 'A', '3'];
			ws.getRow(7).values = [newKk(), 317206170580001, 'Pendek', '17-05-1980', 'L', 'Kepala Keluarga', 1, 'A', '4'];
		});
		const id = await upload('warga.xlsx', bytes);
		const uploaded = (await loadUpload(event(new FormData()), id))!;
		expect(uploaded.sheet.headers).toEqual(HEADER); // below the title
		const expected = [
			{ line: 4, field: 'nik', message: 'errors.nik_excel_number' },
			{ line: 5, field: 'kk', message: 'errors.kk_excel_number' },
			{ line: 7, field: 'nik', message: 'errors.nik_length' } // 15 digits as a number: an ordinary NIK error
		];
		const checked = await dryRun(id);
		expect(checked.errors).toEqual(expected);
		expect([checked.rows, checked.valid]).toEqual([4, 1]);

		const before = await residents();
		const job = await commit(id);
		expect([job.status, job.errors]).toEqual(['refused', expected]);
		expect(await residents()).toBe(before);
	});

	it('keeps the upload after a refused commit, and deletes it after a successful one', async () => {
		const kk = newKk();
		const nik = nikFor('1980-05-17', 'L');
		const id = await upload('warga.csv', new TextEncoder().encode(csvOf([person(kk, nik, 'Pertama', '10')])));
		await db.query(`update rt set number = 90 where number = 1 and rw_id = $1`, [head.rwId]); // RT 001 gone meanwhile
		try {
			const refused = await commit(id);
			expect(refused.status).toBe('refused');
			expect(refused.errors).toEqual([{ line: 2, field: 'rt', message: 'errors.unknown_rt' }]);
			expect(await loadUpload(event(new FormData()), id)).not.toBeNull();
		} finally {
			await db.query(`update rt set number = 1 where number = 90 and rw_id = $1`, [head.rwId]);
		}

		const done = await commit(id); // the same upload, without uploading again
		expect([done.status, done.residents, done.households]).toEqual(['done', 1, 1]);
		expect(await loadUpload(event(new FormData()), id)).toBeNull();
		expect((await tempFiles()).filter((f) => f.startsWith(id))).toEqual([]);
	});

	it('writes nothing when the database fails in a later chunk, tells the user without internal details, and keeps the upload', async () => {
		// 400 people: the commit writes them a chunk at a time, and the database itself
		// refuses one in a later chunk (a trigger standing in for a broken disk or a
		// dropped connection), after the chunks before it were written.
		const secret = 'disk /dev/sdb1 failed at block 4711';
		await db.exec(`create function t_refuse_gagal() returns trigger language plpgsql as $$
			begin if new.name = 'Gagal Di Tengah' then raise exception '${secret}'; end if; return new; end $$`);
		await db.exec('create trigger t_refuse_gagal before insert on resident for each row execute function t_refuse_gagal()');
		const rows = Array.from({ length: 400 }, (_, i) => person(newKk(), nikFor('1980-05-17', 'L'), i === 300 ? 'Gagal Di Tengah' : `Massal ${i}`, String(100 + i)));
		const id = await upload('warga.csv', new TextEncoder().encode(csvOf(rows)));
		const before = await db.query('select (select count(*) from resident) r, (select count(*) from household) h, (select count(*) from house) x');
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const job = await commit(id);
			expect([job.status, job.errors]).toEqual(['failed', []]);
			expect(JSON.stringify(job)).not.toContain('4711');
			expect(logged).toHaveBeenCalledWith('registry import failed', expect.objectContaining({ message: expect.stringContaining(secret) }));
		} finally {
			logged.mockRestore();
			await db.exec('drop trigger t_refuse_gagal on resident; drop function t_refuse_gagal()');
		}
		expect(await db.query('select (select count(*) from resident) r, (select count(*) from household) h, (select count(*) from house) x')).toEqual(before);
		expect(await loadUpload(event(new FormData()), id)).not.toBeNull();
	});

	it('keeps an upload encrypted on disk: no NIK, KK or file name in clear', async () => {
		const kk = newKk();
		const nik = nikFor('1980-05-17', 'L');
		const id = await upload('warga-rt001-budi-santoso.csv', new TextEncoder().encode(csvOf([person(kk, nik, 'Budi Santoso', '12')])));
		const files = (await tempFiles()).filter((f) => f.startsWith(id));
		expect(files).toEqual([`${id}.bin`, `${id}.json`]);
		const disk = (await Promise.all(files.map((f) => readFile(path.join(dataDir, KIND_DIR, f))))).map((b) => b.toString('latin1')).join('\n');
		for (const clear of [nik, kk, nik.slice(6, 12), 'Budi Santoso', 'budi-santoso']) expect(disk).not.toContain(clear);
		// Read back whole, for its owner only.
		const back = await loadUpload(event(new FormData()), id);
		expect(back?.name).toBe('warga-rt001-budi-santoso.csv');
		expect(back?.sheet.rows[0]?.cells.slice(0, 3)).toEqual([kk, nik, 'Budi Santoso']);
	});

	it('removes a stale upload when uploads are next read', async () => {
		const stale = await upload('lama.csv', new TextEncoder().encode(csvOf([person(newKk(), nikFor('1980-05-17', 'L'), 'Lama', '13')])));
		const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
		for (const file of [`${stale}.bin`, `${stale}.json`]) await utimes(path.join(dataDir, KIND_DIR, file), twoHoursAgo, twoHoursAgo);
		await loadUpload(event(new FormData()), 'AAAAAAAAAAAAAAAAAAAAAA'); // any read, of any upload
		expect((await tempFiles()).filter((f) => f.startsWith(stale))).toEqual([]);
	});

	it('removes a stale upload on a timer, with no request at all', async () => {
		vi.useFakeTimers({ toFake: ['setInterval'] });
		const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-temp-'));
		try {
			const id = await putTemp({ dataDir: dir, keys }, 'registry-import', head.id, 'lama.csv', new TextEncoder().encode('NIK\n1\n'));
			const files = [`${id}.bin`, `${id}.json`].map((f) => path.join(dir, KIND_DIR, f));
			const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
			for (const file of files) await utimes(file, twoHoursAgo, twoHoursAgo);
			vi.advanceTimersByTime(10 * 60_000);
			await vi.waitFor(async () => expect(await readdir(path.join(dir, KIND_DIR))).toEqual([]));
		} finally {
			vi.useRealTimers();
			await rm(dir, { recursive: true, force: true });
		}
	});
});

async function workbook(build: (ws: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
	const wb = new ExcelJS.Workbook();
	build(wb.addWorksheet('Warga'));
	return new Uint8Array(await wb.xlsx.writeBuffer());
}
