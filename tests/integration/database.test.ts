// The Database adapter the app runs on: PGlite in its worker thread (or PostgreSQL
// when the suite runs with DATABASE_URL). Transactions, batches, errors and values
// must behave as one PostgreSQL session would.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { encodeCopyBinary, type CopyType, type CopyValue } from '../../src/lib/server/db/copy';
import { fromPglite, openPglite } from '../../src/lib/server/db/pglite';
import { listAsUser, queryAsUser } from '../../src/lib/server/db/with-user';
import { openPgliteThread } from '../../src/lib/server/db/pglite-thread';
import type { Database } from '../../src/lib/server/db/types';
import { freshDatabase } from '../factories/db';
import { makeRw } from '../factories/tenancy';
import { Rollups } from '../../src/lib/server/ingest/rollups';

let db: Database;
beforeAll(async () => {
	db = await freshDatabase();
	await db.exec(`create table t_adapter (id int primary key, note text, at timestamptz, data bytea, doc jsonb, tags text[])`);
	await db.exec(`grant select on t_adapter to authenticated`);
});
afterAll(async () => db?.close());

const count = async () => (await db.query<{ n: number }>('select count(*)::int as n from t_adapter'))[0]!.n;

describe('database adapter', () => {
	it('commits a transaction, and rolls it back when the callback throws, rethrowing that error', async () => {
		await db.transaction(async (tx) => {
			await tx.query('insert into t_adapter (id, note) values ($1, $2)', [1, 'kept']);
		});
		const mistake = new Error('caller failed');
		await expect(
			db.transaction(async (tx) => {
				await tx.query('insert into t_adapter (id, note) values ($1, $2)', [2, 'dropped']);
				throw mistake;
			})
		).rejects.toBe(mistake);
		expect(await db.query('select id, note from t_adapter order by id')).toEqual([{ id: 1, note: 'kept' }]);
	});

	it('reports PostgreSQL errors with their SQLSTATE and constraint, and stays usable', async () => {
		const err = await db.query('insert into t_adapter (id) values (1)').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(Error);
		expect(err).toMatchObject({ code: '23505' });
		// PGlite names the field as libpq does, postgres.js as the protocol does.
		const { constraint, constraint_name } = err as { constraint?: string; constraint_name?: string };
		expect(constraint ?? constraint_name).toBe('t_adapter_pkey');
		await expect(db.query('select nonsense from nowhere')).rejects.toMatchObject({ code: '42P01' });
		expect(await count()).toBe(1);
	});

	it('runs a batch in one transaction: every result in order, or nothing when one fails', async () => {
		const results = await db.batch([
			{ text: 'insert into t_adapter (id, note) values ($1, $2) returning id', params: [10, 'a'] },
			{ text: 'select note from t_adapter where id = $1', params: [10] }
		]);
		expect(results).toEqual([[{ id: 10 }], [{ note: 'a' }]]);
		await expect(
			db.batch([
				{ text: 'insert into t_adapter (id, note) values ($1, $2)', params: [11, 'b'] },
				{ text: 'insert into t_adapter (id, note) values ($1, $2)', params: [10, 'duplicate'] }
			])
		).rejects.toMatchObject({ code: '23505' });
		expect(await db.query('select id from t_adapter where id = 11')).toEqual([]);
		// The first failure is the one reported, not the refusals after it (25P02), and
		// each failed batch gives its connection back (more failures than the pool has).
		for (let i = 0; i < 12; i++) {
			await expect(
				db.batch([
					{ text: 'insert into t_adapter (id, note) values ($1, $2)', params: [12, 'c'] },
					{ text: 'select nonsense from nowhere' },
					{ text: 'select 1' }
				])
			).rejects.toMatchObject({ code: '42P01' });
		}
		expect(await db.query('select id from t_adapter where id = 12')).toEqual([]);
		expect(await db.batch([])).toEqual([]);
	});

	it('keeps every value of a batch exactly: quotes, backslashes, $n in strings and comments, arrays, dates, bigint, bytes', async () => {
		const tricky = ["O'Brien", "'); delete from t_adapter; --", 'back\\slash \\\'', '$1 $$ /* -- */', 'Ünïcödé 日本'];
		const [[row]] = (await db.batch([
			{
				text: `select $1::text as a, $2::text as b, $3::text as c, $4::text as d, $5::text as e,
				        $6::text[] as tags, $7::int + 1 as n, $8::timestamptz as at, $9::int8 as big, $10::bool as yes,
				        $11::text as nothing, '$1' as literal -- $2
				        , $12::bytea as bytes`,
				params: [...tricky, ['x"y', 'z\\w', "q'r"], 41, new Date('2026-11-30T01:02:03.456Z'), 9007199254740993n, true, null, new Uint8Array([0, 39, 92])]
			}
		])) as [[Record<string, unknown>]];
		expect(row).toMatchObject({ a: tricky[0], b: tricky[1], c: tricky[2], d: tricky[3], e: tricky[4] });
		expect(row.tags).toEqual(['x"y', 'z\\w', "q'r"]);
		expect(row).toMatchObject({ n: 42, yes: true, nothing: null, literal: '$1' });
		expect(new Date(row.at as string).toISOString()).toBe('2026-11-30T01:02:03.456Z');
		expect(String(row.big)).toBe('9007199254740993');
		expect([...(row.bytes as Uint8Array)]).toEqual([0, 39, 92]);
		// Two statements with such values in one batch.
		const again = await db.batch([
			{ text: 'select $1::text as a, $2::text[] as tags', params: [tricky[1], ['x"y', "q'r"]] },
			{ text: 'select $1::text as b', params: [tricky[0]] }
		]);
		expect(again).toEqual([[{ a: tricky[1], tags: ['x"y', "q'r"] }], [{ b: tricky[0] }]]);
		expect(await count()).toBeGreaterThan(0);
	});

	it('keeps other callers out of an open transaction until it ends', async () => {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let inside!: () => void;
		const opened = new Promise<void>((resolve) => (inside = resolve));
		const order: string[] = [];
		const tx = db.transaction(async (t) => {
			await t.query(`select set_config('request.jwt.claims', '{"sub":"inside"}', true)`);
			await t.query('insert into t_adapter (id, note) values (20, $1)', ['uncommitted']);
			inside();
			await held;
			order.push('transaction ends');
		});
		await opened;
		const outside = db
			.query<{ claims: string | null; n: number }>(
				`select nullif(current_setting('request.jwt.claims', true), '') as claims, (select count(*)::int from t_adapter where id = 20) as n`
			)
			.then((rows) => {
				order.push('outside query answers');
				return rows[0]!;
			});
		release();
		await tx;
		const seen = await outside;
		// PGlite serialises it after the transaction; PostgreSQL runs it on another connection.
		// Either way it never runs inside the transaction (no claims) and sees only committed rows.
		expect(seen.claims).toBeNull();
		if (db.kind === 'pglite') {
			expect(order).toEqual(['transaction ends', 'outside query answers']);
			expect(seen.n).toBe(1);
		} else expect([0, 1]).toContain(seen.n);
	});

	it('returns values as the in-thread driver does: timestamps, bytes, JSON, arrays, nulls', async () => {
		const at = new Date('2026-11-30T01:02:03.456Z');
		const data = new Uint8Array([0, 1, 254, 255]);
		await db.query('insert into t_adapter (id, at, data, doc, tags) values ($1, $2, $3, $4::text::jsonb, $5)', [
			30,
			at,
			data,
			JSON.stringify({ a: [1, 'dua'] }),
			['x', 'y,z', 'kutip"']
		]);
		const [row] = await db.query<{ at: Date; data: Uint8Array; doc: unknown; tags: string[]; note: null }>(
			'select at, data, doc, tags, note from t_adapter where id = 30'
		);
		expect(row!.at).toBeInstanceOf(Date);
		expect(row!.at.toISOString()).toBe(at.toISOString());
		expect([...row!.data]).toEqual([0, 1, 254, 255]);
		expect(row!.doc).toEqual({ a: [1, 'dua'] });
		expect(row!.tags).toEqual(['x', 'y,z', 'kutip"']);
		expect(row!.note).toBeNull();
	});

	it('answers a statement again after its table changed shape, and after many other statements', async () => {
		await db.exec('create table t_shape (a int)');
		await db.query('insert into t_shape values (1)');
		expect(await db.query('select * from t_shape')).toEqual([{ a: 1 }]);
		await db.exec('alter table t_shape add column b text');
		expect(await db.query('select * from t_shape')).toEqual([{ a: 1, b: null }]);
		// More distinct statements than the PGlite worker keeps prepared (500): the oldest are closed.
		for (let i = 0; i < 520; i++) expect(await db.query(`select ${i}::int as n`)).toEqual([{ n: i }]);
		expect(await db.query('select * from t_shape')).toEqual([{ a: 1, b: null }]);
		expect(await db.query('select 0::int as n')).toEqual([{ n: 0 }]);
	});

	it('answers in a transaction after a table changed shape (exec forgets prepared statements)', async () => {
		await db.exec('create table t_shape2 (a int)');
		const read = () => db.batch([{ text: 'select * from t_shape2' }]);
		expect(await read()).toEqual([[]]);
		await db.exec('alter table t_shape2 add column b text');
		await db.query('insert into t_shape2 values (1, $1)', ['x']);
		expect(await read()).toEqual([[{ a: 1, b: 'x' }]]);
		// A change made by a plain statement (not exec): the batch's cached plan is stale,
		// the batch fails before anything is kept, and runs again with the statement prepared anew.
		await db.query('alter table t_shape2 add column c int');
		const written = await db.batch([
			{ text: 'insert into t_shape2 (a) values (2) returning a' },
			{ text: 'select * from t_shape2' }
		]);
		expect(written[0]).toEqual([{ a: 2 }]);
		expect(written[1]).toEqual(expect.arrayContaining([{ a: 1, b: 'x', c: null }, { a: 2, b: null, c: null }]));
		expect(await db.query('select count(*)::int as n from t_shape2 where a = 2')).toEqual([{ n: 1 }]);
	});

	it('reads as the user in one batch, under RLS', async () => {
		const rows = await queryAsUser<{ role: string; sub: string }>(
			db,
			{ sub: '00000000-0000-0000-0000-000000000001', rw_id: null },
			`select current_user as role, current_setting('request.jwt.claims', true)::jsonb ->> 'sub' as sub`
		);
		expect(rows).toEqual([{ role: 'authenticated', sub: '00000000-0000-0000-0000-000000000001' }]);
		// The claims and role ended with that transaction.
		const [after] = await db.query<{ role: string }>('select current_user as role');
		expect(after!.role).not.toBe('authenticated');
	});

	it('reads a list as the user as one JSON text: order, types and an empty list kept', async () => {
		const claims = { sub: '00000000-0000-0000-0000-000000000001', rw_id: null };
		const rows = await listAsUser<{ n: number; label: string; day: string; who: string }>(
			db,
			claims,
			`select g as n, 'nomor ' || g as label, (date '2026-01-01' + g)::text as day, current_user as who
			   from generate_series(1, 30) g where g % $1 = 0 order by g desc`,
			[3]
		);
		expect(rows.map((r) => r.n)).toEqual([30, 27, 24, 21, 18, 15, 12, 9, 6, 3]);
		expect(rows[0]).toEqual({ n: 30, label: 'nomor 30', day: '2026-01-31', who: 'authenticated' });
		expect(await listAsUser(db, claims, 'select 1 as x where false')).toEqual([]);
	});

	it('reads a list as the user with values of every kind kept as values, never as SQL', async () => {
		const claims = { sub: '00000000-0000-0000-0000-000000000001', rw_id: null };
		const tricky = `it's "quoted" \\ back; drop table t_adapter; --`;
		const [row] = await listAsUser<Record<string, unknown>>(
			db,
			claims,
			`select $1::text as text, $2::int as n, $3::text[] as list, $4::boolean as flag, $5::timestamptz = '2026-12-01T00:00:00Z' as at_ok,
			        $6::text is null as missing, $7::jsonb ->> 'k' as json, current_setting('request.jwt.claims', true)::jsonb ->> 'sub' as sub`,
			[tricky, 42, ['a', 'b"c', 'd\\e', null, `'x'`], false, new Date('2026-12-01T00:00:00Z'), null, { k: tricky }]
		);
		expect(row).toEqual({ text: tricky, n: 42, list: ['a', 'b"c', 'd\\e', null, `'x'`], flag: false, at_ok: true, missing: true, json: tricky, sub: claims.sub });
		expect(await count()).toBeGreaterThan(0);
	});

	it('reports a failed list read without its values', async () => {
		const claims = { sub: '00000000-0000-0000-0000-000000000001', rw_id: null };
		const err = await listAsUser(db, claims, `select 1 / ($2::int - 7) as n where $1::text <> ''`, ['secret-value-9876', 7]).catch((e: unknown) => e);
		expect(err).toMatchObject({ code: '22012' });
		expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).not.toContain('secret-value-9876');
	});

	it('keeps reading after many different list statements (PostgreSQL keeps at most 100 prepared per connection)', async () => {
		const claims = { sub: '00000000-0000-0000-0000-000000000001', rw_id: null };
		// On PostgreSQL one connection, so that every statement and the count meet on it.
		const own = db.kind === 'postgres' ? await freshDatabase({ max: 1 }) : db;
		try {
			for (let i = 0; i < 150; i++) {
				const rows = await listAsUser<{ n: number }>(own, claims, `select $1::int + ${i} as n`, [1]);
				expect(rows).toEqual([{ n: 1 + i }]);
			}
			if (own.kind === 'postgres') {
				const [held] = await listAsUser<{ n: number }>(own, claims, `select count(*)::int as n from pg_prepared_statements where name like 'rukun\\_read\\_%'`);
				// 151 prepared, 20 dropped each time 100 were held: 91.
				expect(held!.n).toBe(91);
			}
		} finally {
			if (own !== db) await own.close();
		}
	});
});

describe('bulk load (COPY)', () => {
	const TYPES: CopyType[] = ['int8', 'text', 'uuid', 'float4', 'float8', 'bool', 'timestamptz'];
	const COLUMNS = ['id', 'name', 'ref', 'small', 'big', 'flag', 'at'];
	const ROWS: CopyValue[][] = [
		[1, 'Siti Nurhaliza ✓', '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9', 212.5, -1e-9, true, '2026-11-30T23:59:25.123456Z'],
		[-(2 ** 40), '', '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9', null, null, false, new Date('1999-12-31T23:59:59.999Z')],
		[3, null, null, -0.25, 2 ** 60, null, null]
	];
	const table = (name: string) => `create table ${name} (id int8 primary key, name text, ref uuid, small real, big float8, flag bool, at timestamptz)`;
	const read = (db: Database, name: string) =>
		db.query(`select id::text, name, ref::text, small, big, flag, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as at from ${name} order by id`);
	const EXPECTED = [
		{ id: String(-(2 ** 40)), name: '', ref: '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9', small: null, big: null, flag: false, at: '1999-12-31T23:59:59.999000' },
		{ id: '1', name: 'Siti Nurhaliza ✓', ref: '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9', small: 212.5, big: -1e-9, flag: true, at: '2026-11-30T23:59:25.123456' },
		{ id: '3', name: null, ref: null, small: -0.25, big: 2 ** 60, flag: null, at: null }
	];

	/** The same checks for each adapter that offers COPY. */
	async function bulkLoads(own: Database, name: string) {
		await own.exec(table(name));
		const after = await own.copyIn!(name, COLUMNS, encodeCopyBinary(TYPES, ROWS), [{ text: `select count(*)::int as n from ${name} where id > $1`, params: [0] }]);
		expect(after).toEqual([[{ n: 2 }]]);
		expect(await read(own, name)).toEqual(EXPECTED);
		// A key that exists: nothing of the load stays, the error names the constraint.
		const clash = encodeCopyBinary(TYPES, [[4, 'new', null, null, null, null, null], [1, 'again', null, null, null, null, null]]);
		const err = await own.copyIn!(name, COLUMNS, clash).catch((e: unknown) => e);
		expect(err).toMatchObject({ code: '23505' });
		const { constraint, constraint_name } = err as { constraint?: string; constraint_name?: string };
		expect(constraint ?? constraint_name).toBe(`${name}_pkey`);
		// A failing statement after the load rolls the load back.
		const fresh = encodeCopyBinary(TYPES, [[5, 'five', null, null, null, null, null]]);
		await expect(own.copyIn!(name, COLUMNS, fresh, [{ text: 'select 1 / 0' }])).rejects.toMatchObject({ code: '22012' });
		expect(await read(own, name)).toEqual(EXPECTED);
		// Names are checked before anything reaches the database.
		await expect(own.copyIn!(`${name}; drop table ${name}`, COLUMNS, fresh)).rejects.toThrow(/bad table name/);
		expect(await own.query(`select count(*)::int as n from ${name}`)).toEqual([{ n: 3 }]);
	}

	it.runIf(!process.env.DATABASE_URL)('loads every column type through the PGlite worker, all or nothing', async () => {
		await bulkLoads(db, 't_copy_worker');
	});

	it.runIf(!process.env.DATABASE_URL)('loads the same way through a PGlite in this thread', async () => {
		const own = fromPglite(await PGlite.create());
		try {
			await bulkLoads(own, 't_copy_inline');
		} finally {
			await own.close();
		}
	});

	it.runIf(!!process.env.DATABASE_URL)('is not offered on PostgreSQL, whose driver leaks a refused COPY (porsager/postgres#1173)', () => {
		expect(db.copyIn).toBeUndefined();
	});
});

/** A PGlite worker of its own: from the migrated dump when the suite has one, else a new empty database. */
async function ownThread(options: { idleInTransactionMs?: number } = {}) {
	const file = inject('pgliteDump');
	const dump = file ? await readFile(file) : null;
	return openPgliteThread(null, { ...options, ...(dump ? { dump: dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength) } : {}) });
}

describe('a transaction whose caller went quiet', () => {
	it('is rolled back after the idle limit, releasing what it held, and fails its caller', async () => {
		const own = await freshDatabase({ idleInTransactionMs: 300 });
		try {
			await own.exec('create table t_idle (id int primary key)');
			let opened!: () => void;
			const inside = new Promise<void>((resolve) => (opened = resolve));
			let resume!: () => void;
			const later = new Promise<void>((resolve) => (resume = resolve));
			const quiet = own.transaction(async (tx) => {
				await tx.query('insert into t_idle values (1)');
				opened();
				await later; // stuck on something else past the idle limit
				await tx.query('insert into t_idle values (2)');
			});
			await inside;
			// The same key from elsewhere waits for the quiet transaction: on PGlite behind
			// its one session, on PostgreSQL on the row's lock. It goes through once the
			// idle limit has rolled that transaction back.
			await own.query('insert into t_idle values (1)');
			resume();
			await expect(quiet).rejects.toMatchObject({ code: '25P03' });
			expect(await own.query('select id from t_idle')).toEqual([{ id: 1 }]);
			// A statement that itself runs past the limit is not idling: it commits.
			await own.transaction(async (tx) => {
				await tx.query('select pg_sleep(0.6)');
				await tx.query('insert into t_idle values (3)');
			});
			expect(await own.query('select id from t_idle order by id')).toEqual([{ id: 1 }, { id: 3 }]);
		} finally {
			await own.close();
		}
	});
});

describe('PGlite worker thread', () => {
	it.runIf(!process.env.DATABASE_URL)('costs a random page read as about a sequential one (its pages are in memory)', async () => {
		expect(await db.query('show random_page_cost')).toEqual([{ random_page_cost: '1.1' }]);
		const own = await openPglite('memory://');
		try {
			expect(await own.query('show random_page_cost')).toEqual([{ random_page_cost: '1.1' }]);
		} finally {
			await own.close();
		}
	});

	it('refuses work after close with a clear error', async () => {
		const own = await ownThread();
		expect(await own.query('select 1 as one')).toEqual([{ one: 1 }]);
		await own.close();
		await expect(own.query('select 1')).rejects.toThrow(/database worker/);
		expect(await own.ping()).toBe(false);
	});

	it('refuses a batch statement that is no command (its results would shift), and reports errors without the SQL text', async () => {
		const own = await ownThread();
		try {
			await expect(own.batch([{ text: '-- nothing' }, { text: 'select 1 as a' }])).rejects.toThrow(/2 statements gave 1 results/);
			expect(await own.batch([{ text: 'select 1 as a' }])).toEqual([[{ a: 1 }]]);
			const err = (await own.exec('select nonsense from nowhere').catch((e: unknown) => e)) as Record<string, unknown>;
			expect(err).toMatchObject({ code: '42P01' });
			expect(err).not.toHaveProperty('query');
		} finally {
			await own.close();
		}
	});

	it('refuses a parameter it cannot send to the worker, and keeps working', async () => {
		const own = await ownThread();
		await expect(own.query('select $1::text as v', [() => 'x'])).rejects.toThrow(/could not be cloned/);
		expect(await own.query('select $1::text as v', ['ok'])).toEqual([{ v: 'ok' }]);
		await own.close();
	});

	it('closes even while a caller holds a transaction open forever', async () => {
		const own = await ownThread();
		let opened!: () => void;
		const inside = new Promise<void>((resolve) => (opened = resolve));
		const stuck = own.transaction(async (tx) => {
			await tx.query('select 1');
			opened();
			await new Promise(() => {}); // a caller that never finishes
		});
		stuck.catch(() => {});
		await inside;
		await own.close();
		await expect(own.query('select 1')).rejects.toThrow(/database worker/);
	}, 30_000);

	it('keeps a process alive while a call waits for its answer, and not when idle', async () => {
		// A script that opens the database, waits for one slow answer and never closes it:
		// it must print the answer (not exit early) and then end on its own (not hang).
		const code = [
			`import { openPgliteThread } from './src/lib/server/db/pglite-thread.ts';`,
			`const db = await openPgliteThread(null);`,
			`const [row] = await db.query('select pg_sleep(0.3), 7 as x');`,
			`console.log('answer', row.x);`
		].join('\n');
		const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
			cwd: path.resolve(import.meta.dirname, '../..'),
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
		const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
		expect(out).toContain('answer 7');
		expect(exitCode).toBe(0);
	}, 60_000);
});


// PGlite has no autovacuum: the rollups' recovery summarises the readings' BRIN index
// itself, one block range per statement (each statement holds PGlite's one session).
describe.runIf(!process.env.DATABASE_URL)('the rollups recovery on PGlite', () => {
	it('summarises the readings\' BRIN index one block range per statement, and next time only from the last range on', async () => {
		const rw = await makeRw(db, 1, 0);
		await db.query(
			`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 values ('brin-s1', $1, 'sensor', 'BRIN', 60, 300, 400, 100, 150, 200, 'x')`,
			[rw.id]
		);
		const readings = (from: number, to: number) =>
			db.query(
				`insert into reading (device_id, rw_id, boot, seq, ts, level_cm, received_at)
				 select 'brin-s1', $1, 0, i, timestamptz '2026-12-01 00:00Z' + i * interval '1 second', 50, now() from generate_series($2::int, $3::int) i`,
				[rw.id, from, to]
			);
		const pages = async () => (await db.query<{ n: number }>(`select (pg_relation_size('reading') / 8192)::int as n`))[0]!.n;
		const unsummarised = async () => (await db.query<{ n: number }>(`select brin_summarize_new_values('reading_ts_brin')::int as n`))[0]!.n;
		const sent: string[] = [];
		const rollups = new Rollups({ ...db, kind: db.kind, query: (text, params) => (sent.push(`${text} ${JSON.stringify(params ?? [])}`), db.query(text, params)) } as Database);
		const ranges = () => sent.filter((s) => s.includes('brin_summarize_range')).map((s) => Number((JSON.parse(s.slice(s.lastIndexOf('['))) as string[])[0]));

		await readings(1, 30_000);
		const first = await pages();
		expect(first).toBeGreaterThan(2 * 128);
		await rollups.recover();
		// Every range from the first block on, 128 pages apart, each in its own statement.
		expect(ranges()).toEqual(Array.from({ length: Math.ceil(first / 128) }, (_, i) => i * 128));
		expect(await unsummarised()).toBe(0);

		sent.length = 0;
		await readings(30_001, 45_000);
		await rollups.recover();
		// From the range that was last (partly filled then) to the new end.
		const lastBefore = Math.floor((first - 1) / 128) * 128;
		expect(ranges()).toEqual(Array.from({ length: Math.ceil((await pages()) / 128) - lastBefore / 128 }, (_, i) => lastBefore + i * 128));
		expect(await unsummarised()).toBe(0);
	});
});
