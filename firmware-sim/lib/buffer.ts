/**
 * What a device keeps while it cannot deliver: oldest first, bounded like a
 * microcontroller's RAM. When full, the oldest item is dropped and counted, so
 * a long outage costs the oldest readings, never the newest.
 */
export class OfflineBuffer<T> {
	private items: T[] = [];
	/** Items dropped because the buffer was full. */
	dropped = 0;

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
	}

	get size(): number {
		return this.items.length;
	}

	/** Appends; returns the dropped oldest item when the buffer was full. */
	push(item: T): T | undefined {
		this.items.push(item);
		if (this.items.length <= this.capacity) return undefined;
		this.dropped++;
		return this.items.shift();
	}

	peek(): T | undefined {
		return this.items[0];
	}

	shift(): T | undefined {
		return this.items.shift();
	}

	/** Puts an item that could not be delivered back at the head (not counted as new). */
	unshift(item: T): void {
		this.items.unshift(item);
	}

	clear(): void {
		this.items = [];
	}
}
