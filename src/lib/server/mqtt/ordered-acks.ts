/**
 * PUBACKs for messages the app received from an external broker, sent only once the
 * message is stored, and in the order the messages arrived: "the Client MUST send
 * PUBACK packets in the order in which the corresponding PUBLISH packets were
 * received" [MQTT-4.6.0-2]. A message whose write finished early (a rejected payload)
 * waits behind older ones still in their group commit.
 *
 * The PUBACKs that become due in one turn of the event loop (a stored batch settles
 * its thousands of messages at once) go out in one socket write, after the turn: one
 * write per message cost the main thread a system call each (about a fifth of its
 * busy time in bench:ingest-external).
 *
 * An acknowledgement belongs to one connection: after a reconnect the broker resends
 * every unacknowledged message of the resumed session with its packet id
 * [MQTT-4.4.0-1], and that copy is stored (deduplicated) and acknowledged on the new
 * connection. So `reset()` forgets everything pending on the old one.
 */
export class OrderedAcks {
	/** Packet ids and "stored" flags in arrival order; slot n sits at index n - base. */
	private ids: number[] = [];
	private ready: boolean[] = [];
	private base = 0;
	private head = 0;
	private next = 0;
	private generation = 0;
	private scheduled = false;
	/** PUBACKs written (for /metrics and tests). */
	acked = 0;
	/** Socket writes that carried them. */
	writes = 0;
	/** Most messages received and not acknowledged at once, since start. */
	maxPending = 0;

	/**
	 * `write` sends PUBACK bytes on the current connection; `afterFlush` runs after each
	 * write (the caller may take more messages again); `defer` runs the flush after the
	 * current turn (tests pass their own).
	 */
	constructor(
		private readonly write: (bytes: Buffer) => void,
		private readonly afterFlush: () => void = () => {},
		private readonly defer: (flush: () => void) => void = setImmediate
	) {}

	/** Messages received and not acknowledged yet. */
	get pending(): number {
		return this.next - this.head;
	}

	/** Registers a received QoS 1 message; call the returned function once it is stored. */
	track(messageId: number): () => void {
		const slot = this.next++;
		const generation = this.generation;
		this.ids.push(messageId);
		this.ready.push(false);
		if (this.next - this.head > this.maxPending) this.maxPending = this.next - this.head;
		return () => {
			if (generation !== this.generation) return;
			this.ready[slot - this.base] = true;
			if (slot === this.head && !this.scheduled) {
				this.scheduled = true;
				// What is ready when it runs goes out, of whichever connection is current then.
				this.defer(() => {
					this.scheduled = false;
					this.flush();
				});
			}
		};
	}

	/** The connection is gone: nothing pending may be acknowledged on the next one. */
	reset(): void {
		this.generation++;
		this.ids = [];
		this.ready = [];
		this.base = this.head = this.next = 0;
	}

	private flush() {
		let end = this.head;
		while (end < this.next && this.ready[end - this.base]) end++;
		const count = end - this.head;
		if (count === 0) return;
		// PUBACK with reason code 0 and no properties in its short form, Remaining
		// Length 2 (MQTT 5 §3.4.2.1): four bytes each, written together.
		const bytes = Buffer.allocUnsafe(count * 4);
		for (let i = 0; i < count; i++) {
			const id = this.ids[this.head - this.base + i]!;
			bytes[i * 4] = 0x40;
			bytes[i * 4 + 1] = 2;
			bytes[i * 4 + 2] = id >> 8;
			bytes[i * 4 + 3] = id & 0xff;
		}
		this.head = end;
		this.acked += count;
		this.writes++;
		// Drop the acknowledged front now and then, so the arrays stay as long as what is pending.
		const done = this.head - this.base;
		if (done > 4096 && done * 2 > this.ids.length) {
			this.ids = this.ids.slice(done);
			this.ready = this.ready.slice(done);
			this.base = this.head;
		}
		this.write(bytes);
		this.afterFlush();
	}
}
