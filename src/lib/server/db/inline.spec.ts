import { describe, expect, it } from 'vitest';
import { inlineBatch, inlineParams, sqlLiteral } from './inline';

describe('sqlLiteral', () => {
	it('writes strings quoted with doubled quotes, backslashes as they are', () => {
		expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
		expect(sqlLiteral("'); drop table resident; --")).toBe("'''); drop table resident; --'");
		expect(sqlLiteral('C:\\temp\\')).toBe("'C:\\temp\\'");
	});

	it('writes numbers and booleans as PostgreSQL reads them; bigint and dates typed as postgres.js sends them', () => {
		expect(sqlLiteral(26)).toBe("'26'");
		expect(sqlLiteral(-1.5)).toBe("'-1.5'");
		expect(sqlLiteral(true)).toBe('true');
		expect(sqlLiteral(null)).toBe('null');
		expect(sqlLiteral(undefined)).toBe('null');
		expect(sqlLiteral(12345678901234567890n)).toBe("('12345678901234567890'::int8)");
		expect(sqlLiteral(new Date('2026-11-30T01:02:03.456Z'))).toBe("('2026-11-30T01:02:03.456Z'::timestamptz)");
	});

	it('writes flat arrays of strings as text[] with each element quoted', () => {
		expect(sqlLiteral(['permanent', 'temporary'])).toBe(`('{"permanent","temporary"}'::text[])`);
		expect(sqlLiteral(['a"b', 'c\\d', "e'f"])).toBe(`('{"a\\"b","c\\\\d","e''f"}'::text[])`);
		expect(sqlLiteral([1, 2.5])).toBe("'{1,2.5}'");
	});

	it('refuses what it cannot write exactly', () => {
		for (const value of [Number.NaN, Infinity, 'a\0b', new Date('nonsense'), new Uint8Array([1]), { a: 1 }, [[1]], [Infinity], ['a', {}], ['a', null]]) {
			expect(sqlLiteral(value), String(value)).toBeNull();
		}
	});
});

describe('inlineParams', () => {
	it('replaces each $n by its value, $10 apart from $1', () => {
		const params = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
		expect(inlineParams('select $1, $10, $2::int', params)).toBe("select 'v1', 'v10', 'v2'::int");
	});

	it('leaves $n alone inside strings, quoted names, comments and dollar quotes', () => {
		const text = `select '$1 it''s', E'\\'$1', "col$1", $x$ $1 $x$, $$ $1 $$ -- $1
			, /* $1 /* nested $1 */ $1 */ $1, a$1`;
		expect(inlineParams(text, ['X'])).toBe(`select '$1 it''s', E'\\'$1', "col$1", $x$ $1 $x$, $$ $1 $$ -- $1
			, /* $1 /* nested $1 */ $1 */ 'X', a$1`);
	});

	it('gives null for a $n without a value or a value without a literal', () => {
		expect(inlineParams('select $2', ['a'])).toBeNull();
		expect(inlineParams('select $1', [new Uint8Array(1)])).toBeNull();
	});
});

describe('inlineBatch', () => {
	it('joins statements so that a trailing comment or semicolon ends only its own', () => {
		expect(inlineBatch([{ text: 'select $1 -- who', params: [1] }, { text: 'select 2;  ' }])).toBe("select '1' -- who\n;\nselect 2");
		expect(inlineBatch([{ text: 'select 1' }, { text: 'select $1', params: [new Uint8Array(1)] }])).toBeNull();
		expect(inlineBatch([{ text: ' ; ' }])).toBeNull();
	});
});
