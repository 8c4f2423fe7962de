import { describe, expect, it } from 'vitest';
import { asText } from './with-user';

describe('asText', () => {
	it('writes each value as PostgreSQL text input', () => {
		expect(asText(null)).toBeNull();
		expect(asText("it's")).toBe("it's");
		expect(asText(42)).toBe('42');
		expect(asText(-1.5)).toBe('-1.5');
		expect(asText(12n)).toBe('12');
		expect(asText(true)).toBe('t');
		expect(asText(false)).toBe('f');
		expect(asText(new Date('2026-12-01T07:00:00+07:00'))).toBe('2026-12-01T00:00:00.000Z');
		expect(asText({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
	});

	it('writes arrays as one-level array literals, quoting every element', () => {
		expect(asText([])).toBe('{}');
		expect(asText(['permanent', 'moved'])).toBe('{"permanent","moved"}');
		expect(asText(['a"b', 'c\\d', null, 'NULL', '{x,y}'])).toBe('{"a\\"b","c\\\\d",NULL,"NULL","{x,y}"}');
		expect(asText([1, 2])).toBe('{"1","2"}');
		expect(() => asText([[1]])).toThrow(/nested/);
	});

	it('refuses what it cannot send faithfully', () => {
		expect(() => asText(undefined)).toThrow(/undefined/);
		expect(() => asText(new Uint8Array([1]))).toThrow(/binary/);
		expect(() => asText(new Map())).toThrow(/plain objects/);
	});
});
