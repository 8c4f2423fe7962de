import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piiKeysFrom } from '../../src/lib/server/crypto/pii';
import { realtimeOf } from '../../src/lib/server/db';
import type { Database, Statement } from '../../src/lib/server/db/types';
import { analyzeRegistry, commitRows, dryRun, IMPORT_CHUNK_ROWS, PLAN_PAGE, removeAbandonedImports } from '../../src/lib/server/registry/registration';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { newKk, residentRow } from '../factories/registry';

const keys = piiKeysFrom(randomBytes(32));
let db: Database;
let rw: TestRw;
let admin: Awaited<ReturnType<typeof makeMember>>;

const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) q`, params))[0]!.n;
/** `n` people, two per KK, each KK in a house of its own. */
const rows = (n: number, prefix: string) => {
	const kks = Array.from({ length: Math.ceil(n / 2) }, () => newKk());
	return Array.from({ length: n }, (_, i) =>
		residentRow(i + 2, { kk: kks[Math.floor(i / 2)]!, rt: '1', name: `${prefix} ${i}`, house_number: `${prefix.slice(0, 3)}${Math.floor(i / 2)}`, relation: i % 2 ? 'lainnya' : 'kepala_keluarga' })
	);
};

/** The database, with each message sent to it recorded in `sent` (a query as a batch of one). */
function recording(sent: Statement[][]): Database {
	return {
		kind: db.kind,
		realtime: db.realtime,
		query: (text, params) => (sent.push([{ text, params }]), db.query(text, params)),
		exec: (text) => db.exec(text),
		transaction: (fn) => db.transaction(fn),
		batch: (statements) => (sent.push(statements), db.batch(statements)),
		ping: () => db.ping(),
		close: () => db.close()
	};
}

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
});
afterAll(async () => db?.close());

describe('a large import in short transactions', () => {
	it('lets realtime work in between its chunks, and leaves no record once finished', async () => {
		const seen: number[] = [];
		const waits: Promise<unknown>[] = [];
		const sent: Statement[][] = [];
		const result = await commitRows(recording(sent), keys, admin, rows(300, 'Antara'), (done, total) => {
			// Sent while the import goes on: answered between two chunks, not after the last.
			if (done < total) waits.push(realtimeOf(db).query<{ n: number }>(`select count(*)::int as n from resident where name like 'Antara %'`).then((r) => seen.push(r[0]!.n)));
		});
		await Promise.all(waits);
		expect(result).toEqual({ ok: true, residents: 300, households: 150 });
		expect(seen.length).toBe(Math.ceil(300 / IMPORT_CHUNK_ROWS) - 1);
		expect(seen.every((n) => n < 300)).toBe(true);
		// A chunk holds PGlite's session while it runs: at most 12 people each (~5 ms of the worker's CPU, bench/README.md).
		const chunks = sent.filter((b) => b.some((st) => st.text.startsWith('insert into resident')));
		expect(chunks).toHaveLength(Math.ceil(300 / IMPORT_CHUNK_ROWS));
		expect(Math.max(...chunks.map((b) => (b.find((st) => st.text.startsWith('insert into resident'))!.params![1] as string[]).length))).toBeLessThanOrEqual(12);
		expect(await count('select 1 from import_write')).toBe(0);
		expect(await count(`select 1 from audit_log where action = 'registry.import' and detail->>'residents' = '300'`)).toBe(1);
	});

	it('reads the registry for its plan in pages of PLAN_PAGE hashes, and finds a registered NIK or KK on any page', async () => {
		const early = rows(2, 'Terdaftar');
		expect(await commitRows(db, keys, admin, early)).toMatchObject({ ok: true, residents: 2 });
		const sheet = rows(2 * PLAN_PAGE + 10, 'Halaman');
		// Last row: a NIK registered before. The one before it: a new person in a KK registered elsewhere.
		const last = sheet.length - 1;
		sheet[last] = { ...sheet[last]!, values: { ...sheet[last]!.values, nik: early[0]!.values.nik, birth_date: early[0]!.values.birth_date, relation: 'lainnya' } };
		sheet[last - 1] = { ...sheet[last - 1]!, values: { ...sheet[last - 1]!.values, kk: early[1]!.values.kk, relation: 'lainnya' } };
		const sent: Statement[][] = [];
		const plan = await dryRun(recording(sent), keys, admin, sheet);
		expect(plan.errors).toEqual([
			{ line: sheet[last - 1]!.line, field: 'kk', message: 'errors.kk_other_house' },
			{ line: sheet[last]!.line, field: 'nik', message: 'errors.nik_registered' }
		]);
		const reads = sent.flat().filter((s) => /app\.registered_(niks|kks)/.test(s.text));
		expect(reads.filter((s) => s.text.includes('registered_niks'))).toHaveLength(Math.ceil(sheet.length / PLAN_PAGE));
		expect(Math.max(...reads.map((s) => (s.params![1] as string[]).length))).toBe(PLAN_PAGE);
		expect(await commitRows(db, keys, admin, sheet)).toMatchObject({ ok: false });
		expect(await count(`select 1 from resident where name like 'Halaman %'`)).toBe(0);
	});

	it('analyzes after an import one column per statement, and every column has statistics again', async () => {
		// The statistics an import's end makes: none left from before.
		await db.exec(`delete from pg_statistic where starelid = 'resident'::regclass`);
		const sent: Statement[][] = [];
		await analyzeRegistry(recording(sent));
		const analyzes = sent.flat().filter((s) => /^\s*analyze/i.test(s.text));
		expect(analyzes.length).toBeGreaterThan(5);
		for (const s of analyzes) expect(s.text).toMatch(/^analyze "\w+" \("\w+"\)$/);
		const [columns] = await db.query<{ n: number }>(`select count(*)::int as n from pg_attribute where attrelid = 'resident'::regclass and attnum > 0 and not attisdropped`);
		expect(await count(`select 1 from pg_stats where schemaname = 'public' and tablename = 'resident'`)).toBe(columns!.n);
	});

	it.runIf(!process.env.DATABASE_URL)('writes each chunk as one message: PGlite\'s session is never held across a round trip to the main thread', async () => {
		// As the import job leaves the registry after a small first import: analyzed nearly empty.
		for (const table of ['house', 'household', 'resident', 'resident_name_word']) await db.query(`analyze ${table}`);
		const before = await count('select 1 from resident');
		await db.sessionStats!(true);
		const result = await commitRows(db, keys, admin, rows(600, 'Pesan'));
		const stats = await db.sessionStats!();
		expect(result).toEqual({ ok: true, residents: 600, households: 300 });
		// Analyzed for its sizes on the way (after 500 rows): the planner knows the tables grew.
		const [resident] = await db.query<{ n: number }>(`select reltuples::int as n from pg_class where oid = 'resident'::regclass`);
		expect(resident!.n).toBeGreaterThanOrEqual(before + 500);
		const admin_ = Object.entries(stats.holds).filter(([kind]) => kind.startsWith('normal '));
		expect(admin_.map(([kind]) => kind)).not.toContain('normal transaction');
		expect(admin_.reduce((n, [, h]) => n + h.turns, 0)).toBe(0);
		expect(stats.holds['normal batch']!.count).toBeGreaterThanOrEqual(600 / IMPORT_CHUNK_ROWS);
		expect(await count(`select 1 from resident r join household h on h.id = r.household_id join house x on x.id = h.house_id where r.name like 'Pesan %' and x.rt_id = r.rt_id`)).toBe(600);
	});

	it('removes the rows of an import its process left unfinished', async () => {
		// As a process that stopped after its first chunk leaves it: rows and their record.
		await db.exec(`create function t_stop() returns trigger language plpgsql as $$
			begin if new.name = 'Berhenti 700' then raise exception 'the process stopped'; end if; return new; end $$`);
		await db.exec('create trigger t_stop before insert on resident for each row execute function t_stop()');
		const before = await count('select 1 from resident');
		try {
			// removeImport runs after a failed chunk; stop it here by making its delete fail too.
			await db.exec(`create function t_keep() returns trigger language plpgsql as $$ begin raise exception 'kept'; end $$`);
			await db.exec('create trigger t_keep before delete on import_write for each statement execute function t_keep()');
			const errors: unknown[] = [];
			const original = console.error;
			console.error = (...args: unknown[]) => void errors.push(args);
			try {
				await expect(commitRows(db, keys, admin, rows(800, 'Berhenti'))).rejects.toThrow('the process stopped');
			} finally {
				console.error = original;
			}
			expect(errors.length).toBe(1);
			await db.exec('drop trigger t_keep on import_write; drop function t_keep()');
			// The row named 700 (the 701st) fails its chunk: the chunks before it stay written.
			expect(await count('select 1 from resident')).toBe(before + Math.floor(700 / IMPORT_CHUNK_ROWS) * IMPORT_CHUNK_ROWS);
			expect(await removeAbandonedImports(db, 0)).toBe(1);
		} finally {
			await db.exec('drop trigger if exists t_stop on resident; drop function if exists t_stop()');
		}
		expect(await count('select 1 from resident')).toBe(before);
		expect(await count(`select 1 from household h join house x on x.id = h.house_id where x.number like 'BER%'`)).toBe(0);
		expect(await count(`select 1 from house where number like 'BER%'`)).toBe(0);
		expect(await count('select 1 from import_write')).toBe(0);
	});
});
