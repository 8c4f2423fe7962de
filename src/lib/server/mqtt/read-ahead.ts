// Reading on while a connection's QoS 1 messages are being stored (docs/architecture.md,
// "The realtime path").
import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';

/**
 * aedes' private parts used here (aedes 1.x `lib/client.js`): the packet parser
 * (`_parser`, whose one 'packet' listener hands each packet to the broker with
 * `_nextBatch` as its done callback), `_nextBatch` (counts the packets of the chunk
 * read last as handled and reads the socket again once all are), `connackSent` and
 * `_paused`. Checked by tests/integration/broker.test.ts ("reads on").
 */
interface AedesInternals {
	_parser: EventEmitter;
	_nextBatch: (err?: Error) => void;
	_paused?: boolean;
	connackSent: boolean;
}

interface Packet {
	cmd: string;
	qos?: number;
}

/** QoS 1 messages of one connection read ahead of their acknowledgement at most (then aedes' own pace). */
export const READ_AHEAD = 32;

/**
 * aedes reads a connection's next packets only when every packet of the chunk it read
 * last is handled, and a QoS 1 PUBLISH is handled once its `authorizePublish` calls
 * back, here once the reading is stored (store, then acknowledge). So a device's next
 * reading, sent while the one before is in the group commit, stayed unread in the
 * kernel for that whole round trip, and only then joined the next batch: two round
 * trips in series (bench:ingest's waterfall under admin load, bench/README.md
 * "fourteenth session": the largest stage of the slowest readings).
 *
 * With this, a QoS 1 PUBLISH counts as handled for reading on as soon as the broker has
 * taken it (on the next tick, after the chunk's packets are all handed over), up to
 * `limit` messages of the connection not yet acknowledged; past that, and for every
 * other packet, aedes' own pace holds. Nothing changes for the acknowledgement: aedes
 * writes a PUBACK only when the message's `authorizePublish` calls back, and the group
 * commit stores and settles a connection's messages in the order they arrived, so
 * PUBACKs keep that order. A store that fails still reaches aedes as the message's
 * error (the connection closes).
 */
export function readAhead(client: Client, limit = READ_AHEAD): void {
	const c = client as unknown as AedesInternals;
	const parser = c._parser;
	const listeners = parser?.listeners('packet');
	// Not the aedes this was written for: leave it as it is.
	if (!listeners || listeners.length !== 1 || typeof c._nextBatch !== 'function') return;
	const enqueue = listeners[0] as (this: unknown, packet: Packet) => void;
	let ahead = 0;
	parser.removeListener('packet', enqueue);
	parser.on('packet', function (this: unknown, packet: Packet) {
		if (packet.cmd !== 'publish' || packet.qos !== 1 || !c.connackSent || c._paused || ahead >= limit) return enqueue.call(this, packet);
		const next = c._nextBatch;
		let early = false;
		let handled = false;
		ahead++;
		// aedes hands `_nextBatch` to the packet's handler in this call: the packet gets its own.
		c._nextBatch = (err?: Error) => {
			if (handled) return;
			handled = true;
			ahead--;
			if (!early) return next(err);
			// Counted already: only an error is left to report.
			if (err) next(err);
		};
		try {
			enqueue.call(this, packet);
		} finally {
			c._nextBatch = next;
		}
		// On the next tick: the parser is still emitting this chunk's packets now.
		process.nextTick(() => {
			if (handled || c._paused) return;
			early = true;
			next();
		});
	});
}
