import { topics } from './topics';

/**
 * What `--bad` sends besides the real readings, named after the server's
 * reject reasons where one exists (src/lib/server/ingest/schemas.ts).
 */
export const BAD_KINDS = ['bad_json', 'bad_fields', 'out_of_range', 'oversized', 'foreign_device', 'foreign_rw', 'reserved_topic'] as const;
export type BadKind = (typeof BAD_KINDS)[number];

export interface BadMessage {
	kind: BadKind;
	topic: string;
	payload: string;
	qos: 0 | 1;
}

export interface BadContext {
	rw: string;
	id: string;
	/** Another device of the same RW whose topic this one must not publish to. */
	peerId: string;
	seq: number;
	ts: string;
}

/** Payloads above 1 KiB are rejected; this is four times that. */
export const OVERSIZED_BYTES = 4096;

/** Another RW's code, never the device's own. */
export const otherRw = (rw: string) => (rw === 'RW999' ? 'RW998' : 'RW999');

/**
 * One bad message. Payload faults go to the device's own topic at QoS 1 with
 * the next seq, like a firmware bug would send them; topic faults are QoS 0
 * with seq 0, so they never collide with a real reading of the device they
 * spoof and a broker that drops the connection for them sees no retransmission.
 */
export function badMessage(kind: BadKind, c: BadContext): BadMessage {
	const own = topics.level(c.rw, c.id);
	const reading = (seq: number) => ({ distance_cm: 87.2, ts: c.ts, bat: 3.9, seq });
	switch (kind) {
		case 'bad_json':
			return { kind, topic: own, qos: 1, payload: JSON.stringify(reading(c.seq)).slice(0, -7) };
		case 'bad_fields':
			return { kind, topic: own, qos: 1, payload: JSON.stringify({ distance_cm: '87.2', ts: 1700000000, bat: 'low', seq: String(c.seq) }) };
		case 'out_of_range':
			return { kind, topic: own, qos: 1, payload: JSON.stringify({ distance_cm: -5, ts: c.ts, bat: 99, seq: c.seq }) };
		case 'oversized':
			return { kind, topic: own, qos: 1, payload: JSON.stringify({ ...reading(c.seq), diag: 'x'.repeat(OVERSIZED_BYTES) }) };
		case 'foreign_device':
			return { kind, topic: topics.level(c.rw, c.peerId), qos: 0, payload: JSON.stringify(reading(0)) };
		case 'foreign_rw':
			return { kind, topic: topics.level(otherRw(c.rw), c.id), qos: 0, payload: JSON.stringify(reading(0)) };
		case 'reserved_topic':
			return { kind, topic: '$SYS/x', qos: 0, payload: JSON.stringify(reading(0)) };
	}
}

/** Whether a kind carries the device's next seq (and so goes through its ordered outbox). */
export const consumesSeq = (kind: BadKind) => kind === 'bad_json' || kind === 'bad_fields' || kind === 'out_of_range' || kind === 'oversized';
