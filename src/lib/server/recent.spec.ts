import { describe, expect, it } from 'vitest';
import { Recent } from './recent';

describe('Recent', () => {
	it('keeps values for their time to live only', () => {
		let now = 0;
		const recent = new Recent<string>(2, 1000, () => now);
		recent.set('a', 'sheet a');
		now = 999;
		expect(recent.get('a')).toBe('sheet a');
		now = 1000;
		expect(recent.get('a')).toBeUndefined();
		expect(recent.size).toBe(0);
	});

	it('drops the least recently used beyond its size, and on request', () => {
		const recent = new Recent<number>(2, 60_000);
		recent.set('a', 1);
		recent.set('b', 2);
		expect(recent.get('a')).toBe(1); // a is now more recent than b
		recent.set('c', 3);
		expect([recent.get('a'), recent.get('b'), recent.get('c')]).toEqual([1, undefined, 3]);
		recent.delete('a');
		expect(recent.get('a')).toBeUndefined();
	});
});
