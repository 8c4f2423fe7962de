/**
 * Called once an item's batch is written: `error` is undefined when it was, and then
 * `result` is the item's; otherwise `error` is what the write threw.
 */
export type Settled<R> = (error: unknown, result?: R) => void;

/**
 * How many batches may be on their way to the database at once (`inFlight`), and the
 * size of the batch being written below which the next may go out before it is done
 * (`whileBelow`). Their callers settle in order all the same.
 */
export interface Pipeline {
	inFlight: number;
	whileBelow: number;
}

/**
 * Group commit (docs/architecture.md, "The realtime path"): when no write is running,
 * write at once; while one runs, gather what arrives and write it as the next batch.
 * One `setImmediate` before taking a batch lets the batch grow (measured: batches of
 * ~6 rows without it, ~1,200 with it). Every caller's promise (`add`) or callback
 * (`enqueue`) settles with its batch.
 */
export class GroupCommit<T, R = void> {
	/** Items waiting for the next batch, and their callbacks (same index). */
	private items: T[] = [];
	private callbacks: Settled<R>[] = [];
	/** Batches being written (at most `inFlight`). */
	private writing = 0;
	/** Rows of the batch taken last (the one being written, while one is): `pipeline.whileBelow` compares it. */
	private takenLast = 0;
	/** Settles when the batch taken last has settled its callers: the next one settles after it. */
	private settledInOrder: Promise<void> = Promise.resolve();
	private scheduled = false;
	private idle: (() => void)[] = [];
	readonly stats = { batches: 0, items: 0, maxBatch: 0, lastBatch: 0, splits: 0, writeMs: 0 };

	/**
	 * `write` returns one result per item, in order (e.g. "was new", "was a duplicate").
	 * `isolate(err)`: whether a failed batch is written again in halves, so that an item
	 * the database refuses fails alone instead of taking its whole batch (every sensor
	 * of the RW) down with it, again at every retry. Say yes only for errors that belong
	 * to the data (a constraint), not for a lost connection, where halves fail as well.
	 */
	/** The timer of a batch waiting to grow (`gather`), while one is. */
	private gathering: ReturnType<typeof setTimeout> | null = null;

	/**
	 * `gather`: a batch smaller than `rows` waits up to `ms` for more before it is
	 * written (0: never waits). Each batch costs the app and the database a fixed
	 * amount beside its rows, so where nobody waits for the write (an external
	 * broker has already acknowledged the device) fewer, larger batches store more
	 * per second; in the embedded broker the device's PUBACK waits, so it does not.
	 *
	 * `pipeline`: with one batch in flight (the default) a batch waits for the one before
	 * to come back to this thread before it goes out. With two, a small batch goes out
	 * while the one before is still in the database's queue, so the database does not
	 * wait for this thread between them; large batches (heavy load) still go one at a
	 * time, as each batch costs a fixed amount beside its rows.
	 */
	constructor(
		private readonly write: (batch: T[]) => Promise<R[]>,
		private readonly maxBatch = 5000,
		private readonly isolate: (err: unknown) => boolean = () => false,
		private readonly gather: { rows: number; ms: number } = { rows: 0, ms: 0 },
		private readonly pipeline: Pipeline = { inFlight: 1, whileBelow: Infinity }
	) {}

	add(item: T): Promise<R> {
		return new Promise((resolve, reject) => this.enqueue(item, (error, result) => (error === undefined ? resolve(result as R) : reject(error))));
	}

	/**
	 * `add` without a promise: the ingest of an external broker's messages (tens of
	 * thousands a second) settles each by a callback, as a promise costs its creation,
	 * its reaction job and, with async hooks on (SvelteKit's AsyncLocalStorage), a hook
	 * call at each step (bench/README.md, "eleventh session"). `done` must not throw.
	 */
	enqueue(item: T, done: Settled<R>): void {
		this.items.push(item);
		this.callbacks.push(done);
		this.schedule();
	}

	/** Resolves when everything added so far has been written (shutdown). */
	flushed(): Promise<void> {
		if (this.writing === 0 && !this.scheduled && this.items.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idle.push(resolve));
	}

	private schedule() {
		if (this.writing >= this.pipeline.inFlight || (this.writing > 0 && this.takenLast >= this.pipeline.whileBelow)) return;
		if (this.scheduled) {
			// A waiting batch that has grown enough goes now.
			if (this.gathering && this.items.length >= this.gather.rows) {
				clearTimeout(this.gathering);
				this.gathering = null;
				setImmediate(this.start);
			}
			return;
		}
		this.scheduled = true;
		if (this.gather.ms > 0 && this.items.length < this.gather.rows) {
			this.gathering = setTimeout(() => {
				this.gathering = null;
				this.start();
			}, this.gather.ms);
		} else setImmediate(this.start);
	}

	private readonly start = () => {
		this.scheduled = false;
		void this.run();
	};

	private async run() {
		// The whole queue when it fits (the usual case: no copy), else its first maxBatch.
		let items: T[];
		let callbacks: Settled<R>[];
		if (this.items.length <= this.maxBatch) {
			items = this.items;
			callbacks = this.callbacks;
			this.items = [];
			this.callbacks = [];
		} else {
			items = this.items.splice(0, this.maxBatch);
			callbacks = this.callbacks.splice(0, this.maxBatch);
		}
		if (items.length === 0) {
			if (this.writing === 0) for (const done of this.idle.splice(0)) done();
			return;
		}
		this.writing++;
		this.takenLast = items.length;
		const before = this.settledInOrder;
		let settled!: () => void;
		this.settledInOrder = new Promise((resolve) => (settled = resolve));
		const t0 = performance.now();
		try {
			const outcomes = await this.writeIsolating(items, callbacks);
			// A batch written while an earlier one was still on its way settles after it.
			await before;
			for (const [done, error, result] of outcomes) done(error, result);
			this.stats.writeMs += performance.now() - t0;
			this.stats.batches++;
			this.stats.items += items.length;
			this.stats.lastBatch = items.length;
			this.stats.maxBatch = Math.max(this.stats.maxBatch, items.length);
		} finally {
			settled();
			this.writing--;
			if (this.items.length > 0) this.schedule();
			else if (this.writing === 0) for (const done of this.idle.splice(0)) done();
		}
	}

	/** Each item's outcome: the batch's, or, when `isolate` says so, each half's in turn. */
	private async writeIsolating(items: T[], callbacks: Settled<R>[]): Promise<[Settled<R>, unknown, R?][]> {
		let results: R[];
		try {
			results = await this.write(items);
		} catch (thrown) {
			// `undefined` means success to a callback.
			const error = thrown ?? new Error('the write failed');
			if (items.length === 1 || !this.isolate(error)) return callbacks.map((done) => [done, error]);
			this.stats.splits++;
			const half = Math.ceil(items.length / 2);
			const first = await this.writeIsolating(items.slice(0, half), callbacks.slice(0, half));
			return first.concat(await this.writeIsolating(items.slice(half), callbacks.slice(half)));
		}
		return callbacks.map((done, i) => [done, undefined, results[i]]);
	}
}
