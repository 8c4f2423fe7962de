// Canaries for the parts of PGlite the database worker uses that are not its public
// query API (src/lib/server/db/pglite-worker.ts lists them). PGlite is pinned to an
// exact version in package.json; when an upgrade changes one of these, this file
// fails, not the app in production. Each test calls the part itself, the way the
// worker calls it, on a bare in-memory PGlite of this thread.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { encodeCopyBinary } from '../../src/lib/server/db/copy';
import { pgliteCopyStatement } from '../../src/lib/server/db/copy';
import { preparedStatements } from '../../src/lib/server/db/pglite-worker';

const S = lib.protocol.serialize;
let pg: lib.PGlite;
beforeAll(async () => {
	pg = await lib.PGlite.create({ extensions: { pg_trgm } });
	await pg.exec(`create extension pg_trgm; create table canary (id int primary key, name text, at timestamptz, doc jsonb)`);
});
afterAll(async () => pg?.close());

const join = (parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
};

describe('PGlite private API the database worker relies on', () => {
	it('is pinned to one exact version in package.json, the one installed', () => {
		const root = path.resolve(import.meta.dirname, '../..');
		const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
		const installed = JSON.parse(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
		expect(pkg.dependencies['@electric-sql/pglite']).toMatch(/^\d+\.\d+\.\d+$/);
		expect(installed.version).toBe(pkg.dependencies['@electric-sql/pglite']);
	});

	it('protocol.serialize builds Parse/Describe/Sync that execProtocol runs, and parse.parseDescribeStatementResults gives the parameter types', async () => {
		for (const name of ['parse', 'describe', 'bind', 'execute', 'sync', 'close'] as const) expect(typeof S[name]).toBe('function');
		const r = await pg.execProtocol(join([S.parse({ name: 'canary_1', text: 'select $1::int4 + 1 as n, $2::text as t', types: [] }), S.describe({ type: 'S', name: 'canary_1' }), S.sync()]));
		expect(Array.isArray(r.messages)).toBe(true);
		expect(lib.parse.parseDescribeStatementResults(r.messages)).toEqual([23, 25]); // int4, text
	});

	it('Bind/Execute of a named statement, parsed by parse.parseResults with pg.parsers and values from pg.serializers', async () => {
		await pg.execProtocol(join([S.parse({ name: 'canary_2', text: 'select $1::jsonb as doc, $2::timestamptz as at', types: [] }), S.sync()]));
		expect(typeof pg.serializers[3802]).toBe('function'); // jsonb
		expect(typeof pg.serializers[1184]).toBe('function'); // timestamptz
		const values = [pg.serializers[3802]!({ a: [1, 'x'] }), pg.serializers[1184]!(new Date('2026-01-02T03:04:05Z'))];
		const r = await pg.execProtocol(join([S.bind({ statement: 'canary_2', values }), S.describe({ type: 'P' }), S.execute({}), S.sync()]));
		const results = lib.parse.parseResults(r.messages, pg.parsers);
		expect(results).toHaveLength(1);
		expect(results[0]!.rows).toEqual([{ doc: { a: [1, 'x'] }, at: new Date('2026-01-02T03:04:05Z') }]);
	});

	it('Close of a statement frees its name', async () => {
		await pg.execProtocol(join([S.parse({ name: 'canary_3', text: 'select 1', types: [] }), S.sync()]));
		await pg.execProtocol(join([S.close({ type: 'S', name: 'canary_3' }), S.sync()]));
		await expect(pg.execProtocol(join([S.parse({ name: 'canary_3', text: 'select 2', types: [] }), S.sync()]))).resolves.toBeDefined();
	});

	it('execProtocol rejects with PostgreSQL fields (code, constraint) that the worker passes on', async () => {
		await pg.query(`insert into canary (id) values (1)`);
		await pg.execProtocol(join([S.parse({ name: 'canary_4', text: 'insert into canary (id) values ($1)', types: [] }), S.sync()]));
		const err = await pg
			.execProtocol(join([S.bind({ statement: 'canary_4', values: ['1'] }), S.execute({}), S.sync()]))
			.then(() => null, (e: unknown) => e as { code?: string; constraint?: string });
		expect(err).toMatchObject({ code: '23505', constraint: 'canary_pkey' });
		// The session is usable after the failed Sync.
		expect((await pg.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
	});

	it('_runExclusiveTransaction waits for an open transaction; _runExclusiveQuery runs inside one', async () => {
		const order: string[] = [];
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let inside!: () => void;
		const opened = new Promise<void>((resolve) => (inside = resolve));
		const tx = pg.transaction(async (t) => {
			await t.query('select 1');
			inside();
			await held;
			// A statement of this transaction goes through the query mutex, as the worker sends it.
			await pg._runExclusiveQuery(async () => order.push('in transaction'));
			order.push('transaction ends');
		});
		await opened;
		const outside = pg._runExclusiveTransaction(() => pg._runExclusiveQuery(async () => void order.push('outside')));
		await Promise.resolve();
		release();
		await Promise.all([tx, outside]);
		expect(order).toEqual(['in transaction', 'transaction ends', 'outside']);
	});

	it("a query's blob option feeds COPY FROM '/dev/blob' (binary COPY of Database.copyIn)", async () => {
		await pg.exec('create table canary_copy (id int8, name text)');
		const data = encodeCopyBinary(['int8', 'text'], [[1, 'satu'], [2, 'dua']]);
		await pg.query(pgliteCopyStatement('canary_copy', ['id', 'name']), [], { blob: new Blob([data]) });
		expect((await pg.query('select id::int, name from canary_copy order by id')).rows).toEqual([
			{ id: 1, name: 'satu' },
			{ id: 2, name: 'dua' }
		]);
	});

	it('the worker’s prepared statements run through all of it: a statement, a batch, a stale plan after DDL', async () => {
		const prepared = preparedStatements(lib, pg);
		const run = (text: string, params: unknown[]) => pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => prepared.run(text, params, false)));
		expect(await run('select $1::int4 * 2 as n', [21])).toEqual([{ n: 42 }]);
		expect(await pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => prepared.batch([{ text: 'select 1 as a' }, { text: 'select $1::text as b', params: ['x'] }])))).toEqual([
			[{ a: 1 }],
			[{ b: 'x' }]
		]);
		await run('insert into canary (id, name) values ($1, $2)', [5, 'lima']);
		expect(await run('select * from canary where id = $1', [5])).toMatchObject([{ id: 5, name: 'lima' }]);
		await pg.exec('alter table canary add column extra int');
		// PostgreSQL refuses the cached plan (0A000 "cached plan must not change result type"); it is prepared again.
		expect(await run('select * from canary where id = $1', [5])).toMatchObject([{ id: 5, name: 'lima', extra: null }]);
	});
});
