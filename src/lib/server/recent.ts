/**
 * A few recently used values kept in memory for a while: the least recently used
 * goes first beyond `max`, and none outlives `ttlMs`. For work that is expensive to
 * redo and cheap to lose (a parsed spreadsheet between the steps of an import).
 */
export class Recent<V> {
	readonly #entries = new Map<string, { value: V; until: number }>();
	constructor(
		readonly max: number,
		readonly ttlMs: number,
		readonly now: () => number = Date.now
	) {}

	get(key: string): V | undefined {
		const entry = this.#entries.get(key);
		if (!entry) return undefined;
		this.#entries.delete(key);
		if (entry.until <= this.now()) return undefined;
		this.#entries.set(key, entry); // now the most recent
		return entry.value;
	}

	set(key: string, value: V): void {
		this.#entries.delete(key);
		while (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
		this.#entries.set(key, { value, until: this.now() + this.ttlMs });
	}

	delete(key: string): void {
		this.#entries.delete(key);
	}

	get size(): number {
		return this.#entries.size;
	}
}
