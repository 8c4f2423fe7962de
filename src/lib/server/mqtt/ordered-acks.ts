/**
 * PUBACKs for messages the app received from an external broker, sent only once the
 * message is stored, and in the order the messages arrived: "the Client MUST send
 * PUBACK packets in the order in which the corresponding PUBLISH packets were
 * received" [MQTT-4.6.0-2]. A message whose write finished early (a rejected payload)
 * waits behind older ones still in their group commit.
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
	/** PUBACKs written (for /metrics and tests). */
	acked = 0;

	constructor(private readonly write: (bytes: Buffer) => void) {}

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
		return () => {
			if (generation !== this.generation) return;
			this.ready[slot - this.base] = true;
			if (slot === this.head) this.flush();
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
		// Drop the acknowledged front now and then, so the arrays stay as long as what is pending.
		const done = this.head - this.base;
		if (done > 4096 && done * 2 > this.ids.length) {
			this.ids = this.ids.slice(done);
			this.ready = this.ready.slice(done);
			this.base = this.head;
		}
		this.write(bytes);
	}
}
