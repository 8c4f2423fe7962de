import { describe, expect, it } from 'vitest';
import { DuesVersions } from './versions';

const RW = '7d2c6a8e-1a0b-4c1e-9f3a-2b6d8e0f1a2b';

describe('DuesVersions', () => {
	it('keeps the newest version heard or read, never an older one', () => {
		const v = new DuesVersions();
		expect(v.get(RW)).toBeUndefined();
		v.hear(`${RW} 4`);
		v.note(RW, 3);
		expect(v.get(RW)).toBe(4);
		v.hear(`${RW} 6`);
		v.hear(`${RW} 5`);
		expect(v.get(RW)).toBe(6);
	});

	it('forgets an RW whose row went, and ignores what is no announcement', () => {
		const v = new DuesVersions();
		v.hear(`${RW} 2`);
		v.hear('');
		v.hear(`${RW} x`);
		expect(v.get(RW)).toBeUndefined();
		v.hear(`${RW} 3`);
		v.hear(RW);
		expect(v.get(RW)).toBeUndefined();
	});

	it('does not keep a version read while announcements were lost', () => {
		const v = new DuesVersions();
		v.hear(`${RW} 2`);
		const epoch = v.epoch;
		v.clear();
		expect(v.get(RW)).toBeUndefined();
		// Read before the loss was known: it may predate what was missed.
		v.note(RW, 2, epoch);
		expect(v.get(RW)).toBeUndefined();
		v.note(RW, 3, v.epoch);
		expect(v.get(RW)).toBe(3);
	});
});
