import { afterEach, describe, expect, it, vi } from 'vitest';
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

	it('with two in flight, sends the next batch while one is written, and settles them in order', async () => {
		const batches: number[][] = [];
		const releases: (() => void)[] = [];
		const gc = new GroupCommit<number, number>(
			async (batch) => {
				batches.push(batch);
				await new Promise<void>((r) => releases.push(r));
				return batch.map((n) => n * 2);
			},
			5000,
			() => false,
			{ rows: 0, ms: 0 },
			{ inFlight: 2, whileBelow: Infinity }
		);
		const settled: number[] = [];
		const first = gc.add(1).then((v) => settled.push(v));
		await new Promise((r) => setImmediate(r));
		const second = gc.add(2).then((v) => settled.push(v));
		await new Promise((r) => setImmediate(r));
		// The second batch went out before the first was written; a third waits for a free slot.
		expect(batches).toEqual([[1], [2]]);
		const third = gc.add(3).then((v) => settled.push(v));
		await new Promise((r) => setImmediate(r));
		expect(batches).toEqual([[1], [2]]);
		// The second is written first: it still settles after the first.
		releases[1]!();
		await new Promise((r) => setImmediate(r));
		expect(settled).toEqual([]);
		releases[0]!();
		await Promise.all([first, second]);
		expect(settled).toEqual([2, 4]);
		await new Promise((r) => setImmediate(r));
		expect(batches).toEqual([[1], [2], [3]]);
		releases[2]!();
		await third;
		await gc.flushed();
		expect(settled).toEqual([2, 4, 6]);
	});

	it('with two in flight below a size, sends a batch while a large one is written only after it', async () => {
		const batches: number[][] = [];
		const releases: (() => void)[] = [];
		const gc = new GroupCommit<number>(
			async (batch) => {
				batches.push(batch);
				await new Promise<void>((r) => releases.push(r));
				return batch.map(() => undefined);
			},
			5000,
			() => false,
			{ rows: 0, ms: 0 },
			{ inFlight: 2, whileBelow: 2 }
		);
		const large = [gc.add(1), gc.add(2)];
		await new Promise((r) => setImmediate(r));
		const next = gc.add(3);
		await new Promise((r) => setImmediate(r));
		expect(batches).toEqual([[1, 2]]);
		releases[0]!();
		await Promise.all(large);
		await new Promise((r) => setImmediate(r));
		expect(batches).toEqual([[1, 2], [3]]);
		// [3] is small: the next goes out while it is written.
		const last = gc.add(4);
		await new Promise((r) => setImmediate(r));
		expect(batches).toEqual([[1, 2], [3], [4]]);
		releases[1]!();
		releases[2]!();
		await Promise.all([next, last]);
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

	it('writes a batch the database refused again in halves, so only the refused item fails', async () => {
		const writes: string[][] = [];
		const refused = Object.assign(new Error('check constraint'), { code: '23514' });
		const gc = new GroupCommit<string, string>(
			async (batch) => {
				writes.push(batch);
				if (batch.includes('bad')) throw refused;
				return batch.map((s) => s.toUpperCase());
			},
			5000,
			(err) => (err as { code?: string }).code === '23514'
		);
		const items = ['a', 'b', 'c', 'bad', 'd', 'e', 'f'];
		const results = await Promise.allSettled(items.map((s) => gc.add(s)));
		expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'refused'))).toEqual(['A', 'B', 'C', 'refused', 'D', 'E', 'F']);
		expect(writes[0]).toEqual(items);
		expect(gc.stats.splits).toBeGreaterThan(0);
	});

	it('does not split a batch for an error that is not about its data', async () => {
		let writes = 0;
		const gc = new GroupCommit<number>(
			async () => {
				writes++;
				throw new Error('connection lost');
			},
			5000,
			(err) => (err as { code?: string }).code === '23514'
		);
		const results = await Promise.allSettled([1, 2, 3, 4].map((n) => gc.add(n)));
		expect(results.every((r) => r.status === 'rejected')).toBe(true);
		expect(writes).toBe(1);
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

	describe('with gather (an external broker: nobody waits for the write)', () => {
		afterEach(() => {
			vi.useRealTimers();
		});
		const turn = () => new Promise((r) => setImmediate(r));
		/** A GroupCommit that gathers 10 rows for up to 20 ms (on fake timers), and the batches it wrote. */
		function gathering() {
			vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
			const batches: number[][] = [];
			const gc = new GroupCommit<number>(async (batch) => (batches.push(batch), batch.map(() => undefined)), 5000, undefined, { rows: 10, ms: 20 });
			return { gc, batches };
		}

		it('lets a small batch wait up to `ms` for more, then writes what it has as one', async () => {
			const { gc, batches } = gathering();
			for (let i = 0; i < 3; i++) void gc.add(i);
			await turn();
			expect(batches).toEqual([]);
			void gc.add(3);
			vi.advanceTimersByTime(19);
			await turn();
			expect(batches).toEqual([]);
			vi.advanceTimersByTime(1);
			await gc.flushed();
			expect(batches).toEqual([[0, 1, 2, 3]]);
		});

		it('writes at once when the batch has grown to `rows`', async () => {
			const { gc, batches } = gathering();
			for (let i = 0; i < 4; i++) void gc.add(i);
			await turn();
			for (let i = 4; i < 12; i++) void gc.add(i);
			await gc.flushed();
			expect(batches).toEqual([Array.from({ length: 12 }, (_, i) => i)]);
			expect(vi.getTimerCount()).toBe(0);
		});
	});
});
