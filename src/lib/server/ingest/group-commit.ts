/**
 * Group commit (docs/architecture.md, "The realtime path"): when no write is running,
 * write at once; while one runs, gather what arrives and write it as the next batch.
 * One `setImmediate` before taking a batch lets the batch grow (measured: batches of
 * ~6 rows without it, ~1,200 with it). Every caller's promise settles with its batch.
 */
export class GroupCommit<T, R = void> {
	private pending: { item: T; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
	private running = false;
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
	constructor(
		private readonly write: (batch: T[]) => Promise<R[]>,
		private readonly maxBatch = 5000,
		private readonly isolate: (err: unknown) => boolean = () => false
	) {}

	add(item: T): Promise<R> {
		return new Promise((resolve, reject) => {
			this.pending.push({ item, resolve, reject });
			this.schedule();
		});
	}

	/** Resolves when everything added so far has been written (shutdown). */
	flushed(): Promise<void> {
		if (!this.running && !this.scheduled && this.pending.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idle.push(resolve));
	}

	private schedule() {
		if (this.running || this.scheduled) return;
		this.scheduled = true;
		setImmediate(() => {
			this.scheduled = false;
			void this.run();
		});
	}

	private async run() {
		const batch = this.pending.splice(0, this.maxBatch);
		if (batch.length === 0) {
			for (const done of this.idle.splice(0)) done();
			return;
		}
		this.running = true;
		const t0 = performance.now();
		try {
			const outcomes = await this.writeIsolating(batch.map((b) => b.item));
			this.stats.writeMs += performance.now() - t0;
			this.stats.batches++;
			this.stats.items += batch.length;
			this.stats.lastBatch = batch.length;
			this.stats.maxBatch = Math.max(this.stats.maxBatch, batch.length);
			batch.forEach((b, i) => {
				const outcome = outcomes[i]!;
				if (outcome.ok) b.resolve(outcome.result);
				else b.reject(outcome.error);
			});
		} finally {
			this.running = false;
			if (this.pending.length > 0) this.schedule();
			else for (const done of this.idle.splice(0)) done();
		}
	}

	/** One outcome per item: the batch's, or, when `isolate` says so, each half's in turn. */
	private async writeIsolating(items: T[]): Promise<({ ok: true; result: R } | { ok: false; error: unknown })[]> {
		try {
			const results = await this.write(items);
			return results.map((result) => ({ ok: true as const, result }));
		} catch (error) {
			if (items.length === 1 || !this.isolate(error)) return items.map(() => ({ ok: false as const, error }));
			this.stats.splits++;
			const half = Math.ceil(items.length / 2);
			return [...(await this.writeIsolating(items.slice(0, half))), ...(await this.writeIsolating(items.slice(half)))];
		}
	}
}
