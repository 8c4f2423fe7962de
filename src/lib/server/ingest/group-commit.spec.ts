import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
	it('writes what arrives while a write runs as one next batch, in order', async () => {
		const batches: number[][] = [];
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const gc = new GroupCommit<number, number>(async (batch) => {
			batches.push(batch);
			if (batches.length === 1) await gate;
			return batch.map((n) => n * 2);
		});
		const first = gc.add(0);
		await new Promise((r) => setImmediate(r));
		const rest = Array.from({ length: 100 }, (_, i) => gc.add(i + 1));
		release();
		const results = await Promise.all([first, ...rest]);
		expect(results[50]).toBe(100);
		expect(batches).toEqual([[0], Array.from({ length: 100 }, (_, i) => i + 1)]);
		expect(gc.stats).toMatchObject({ batches: 2, items: 101, maxBatch: 100 });
	});

	it('rejects every caller of a failed batch and keeps going', async () => {
		let fail = true;
		const gc = new GroupCommit<string>(async (batch) => {
			if (fail) throw new Error('disk full');
			return batch.map(() => undefined);
		});
		const results = await Promise.allSettled([gc.add('a'), gc.add('b')]);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
		fail = false;
		await expect(gc.add('c')).resolves.toBeUndefined();
	});

	it('caps batch size and reports when everything is flushed', async () => {
		const sizes: number[] = [];
		const gc = new GroupCommit<number>(async (batch) => {
			sizes.push(batch.length);
			return batch.map(() => undefined);
		}, 10);
		for (let i = 0; i < 25; i++) void gc.add(i);
		await gc.flushed();
		expect(sizes).toEqual([10, 10, 5]);
	});
});
