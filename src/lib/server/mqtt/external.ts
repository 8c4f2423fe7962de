import mqtt from 'mqtt';
import type { Ingest } from '../ingest/ingest';
import { OrderedAcks } from './ordered-acks';
import { ANY, INGEST_FILTERS, shared, topics } from './topics';

/** Topics the app ingests, as MQTT 5 shared subscriptions: instances split the load. */
export const SHARED_SUBSCRIPTIONS = INGEST_FILTERS.map((filter) => shared('rukun', filter));

export interface ExternalBrokerOptions {
	url: string;
	username?: string;
	password?: string;
	/** Must stay the same across restarts of one instance: the broker keeps its session under it. */
	clientId: string;
	/** How long the broker keeps the session (and queues its share) while the instance is away. */
	sessionExpirySeconds: number;
	/**
	 * QoS 1 messages the broker may have in flight to this instance (MQTT 5 Receive
	 * Maximum); the app also stops reading at that many unacknowledged messages, for a
	 * broker that sends more (Mosquitto 2.0.11 does).
	 */
	receiveMaximum: number;
	ingest: Ingest;
	log?: (message: string) => void;
	/**
	 * Every RW's alerts (whichever instance published them), for this instance's browser
	 * dashboards (mqtt/relay.ts). Subscribed at QoS 0 and not shared: each instance gets
	 * them all, and a session that was away is not sent a backlog of stale ones (its
	 * dashboards catch up from the database).
	 */
	onAlert?: (topic: string, payload: Buffer) => void;
	/** The connection was lost (the relay drops its dashboards). */
	onDown?: () => void;
	/** Reconnect backoff: first delay, doubled up to the maximum (ms). */
	backoff?: { minMs: number; maxMs: number };
}

export interface ExternalBroker {
	isUp(): boolean;
	/** Resolves once connected and subscribed (the app runs without it meanwhile). */
	ready: Promise<void>;
	stats(): ExternalLinkStats;
	/** A server message (alerts, pump commands), QoS 1; rejects while the broker is away. */
	publish(topic: string, payload: string | Buffer, options?: { retain?: boolean }): Promise<void>;
	close(): Promise<void>;
}

export interface ExternalLinkStats {
	connects: number;
	/** PUBACKs written to the broker, and the socket writes that carried them. */
	acked: number;
	ackWrites: number;
	/** Messages received and not acknowledged yet (waiting for their batch), and the most at once. */
	pendingAcks: number;
	maxPendingAcks: number;
	/** Times the app stopped reading because Receive Maximum messages were unacknowledged. */
	holds: number;
	storeRetries: number;
}

/** Given to mqtt.js' handleMessage callback: "send no PUBACK, take the next packet". */
const ACK_AFTER_STORE = new Error('acknowledged after the batch is stored');

/**
 * MQTT_URL mode: no embedded broker; the app is a client of an external one
 * (Mosquitto, EMQX) whose ACL admits only registered devices to their topics
 * (`npm run mosquitto:config`). What the device's PUBACK (from the broker) promised is
 * kept from the broker to the database:
 * - the session outlives the connection (Clean Start 0 + Session Expiry, a client id
 *   stable across restarts), so what the broker holds for a crashed instance is
 *   redelivered to it when it comes back;
 * - a message is acknowledged to the broker only after the batch holding it is stored
 *   (OrderedAcks). mqtt.js handles one message at a time and sends the PUBACK when
 *   `handleMessage` calls back without error; called back with an error it sends none
 *   and reads on (mqtt.js handlers/publish). So each message is handed to the group
 *   commit, the callback releases mqtt.js at once with ACK_AFTER_STORE, and the PUBACK
 *   is written once stored. Messages keep arriving while a write runs and join the
 *   next batch; the Receive Maximum bounds how many wait. Mosquitto 2.0.11 does not
 *   keep to it (for each PUBACK of its oldest in-flight message it sends up to that
 *   many more), so at that many unacknowledged messages the app also stops taking
 *   packets (mqtt.js reads no further until handleMessage calls back; the socket
 *   fills and TCP holds the broker) and goes on as PUBACKs go out. Unbounded, an
 *   instance held 10,000+ messages in memory (bench:ingest-external), long enough for
 *   them to outlive the young generation;
 * - a failed write is retried (with backoff) until stored: its PUBACK waits, and so do
 *   those behind it, so the broker holds them meanwhile;
 * - duplicates (a redelivery of a message stored before the crash) are stored once:
 *   the ingest skips a stored (device, boot, seq), also across instances.
 * The broker connection is retried with backoff; the app starts without it.
 */
export function connectExternalBroker(options: ExternalBrokerOptions): ExternalBroker {
	const log = options.log ?? (() => {});
	const backoff = options.backoff ?? { minMs: 500, maxMs: 30_000 };
	let delay = backoff.minMs;
	let connects = 0;
	let storeRetries = 0;
	let closing = false;
	/** Connected and subscribed on the current connection: what /healthz reports as "broker up". */
	let subscribed = false;
	const client = mqtt.connect(options.url, {
		protocolVersion: 5,
		clientId: options.clientId,
		username: options.username,
		password: options.password,
		clean: false,
		properties: { sessionExpiryInterval: options.sessionExpirySeconds, receiveMaximum: options.receiveMaximum },
		// The broker keeps the subscriptions in the session; they are renewed on each connect below.
		resubscribe: false,
		reconnectPeriod: delay,
		connectTimeout: 10_000,
		// mqtt.js traces every packet through `debug` (a no-op that still costs a call and
		// its arguments several times per message): off unless DEBUG asks for it.
		...(process.env.DEBUG?.includes('mqttjs') ? {} : { log: () => {} })
	});
	/** mqtt.js' "next packet" callback, held while too many messages are unacknowledged. */
	let held: (() => void) | null = null;
	let holds = 0;
	const release = () => {
		if (held && acks.pending < options.receiveMaximum) {
			const next = held;
			held = null;
			next();
		}
	};
	const acks = new OrderedAcks((bytes) => {
		// Written straight to the connection the messages came on (reset() on close
		// drops what belongs to an older one).
		if (client.connected && client.stream.writable) client.stream.write(bytes);
	}, release);

	// By callback, not promise: no promise per message on the way to the PUBACK.
	const store = (topic: string, payload: Buffer, done: () => void, attempt = 0): void => {
		options.ingest.receive(null, topic, payload, (err) => {
			if (err === undefined) return done();
			if (closing) return;
			storeRetries++;
			const wait = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 10));
			log(`mqtt: not stored (${topic}), retrying in ${wait} ms; not acknowledged meanwhile: ${String(err)}`);
			setTimeout(() => store(topic, payload, done, attempt + 1), wait).unref();
		});
	};

	const onAlert = options.onAlert;
	client.handleMessage = (packet, callback) => {
		const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
		if (onAlert && options.ingest.routeOf(packet.topic)?.family === 'alerts') {
			onAlert(packet.topic, payload);
			return callback();
		}
		// The broker enforced who may publish where; ingest checks the device and payload.
		if (packet.qos === 1 && packet.messageId !== undefined) {
			store(packet.topic, payload, acks.track(packet.messageId));
			if (acks.pending < options.receiveMaximum) return callback(ACK_AFTER_STORE);
			holds++;
			held = () => callback(ACK_AFTER_STORE);
		} else {
			// QoS 0 (a status message) has no acknowledgement to hold back.
			store(packet.topic, payload, () => {});
			callback();
		}
	};

	let markReady: () => void = () => {};
	const ready = new Promise<void>((resolve) => (markReady = resolve));
	client.on('connect', (connack) => {
		connects++;
		delay = backoff.minMs;
		client.options.reconnectPeriod = delay;
		log(`mqtt: connected to ${options.url} as ${options.clientId}${connack.sessionPresent ? ' (session resumed)' : ''}`);
		const filters: Record<string, { qos: 0 | 1 }> = Object.fromEntries(SHARED_SUBSCRIPTIONS.map((f) => [f, { qos: 1 }]));
		if (onAlert) filters[topics.allAlerts(ANY)] = { qos: 0 };
		client.subscribe(filters, (err, granted) => {
			const refused = granted?.filter((g) => g.qos > 1) ?? [];
			if (err || refused.length > 0) {
				log(`mqtt: subscribe failed: ${err?.message ?? refused.map((g) => `${g.topic} (${g.qos})`).join(', ')}`);
				client.stream.destroy();
			} else {
				subscribed = true;
				markReady();
			}
		});
	});
	client.on('close', () => {
		const was = subscribed;
		subscribed = false;
		acks.reset();
		// The held packet's connection is gone (mqtt.js drops what it had parsed from it).
		release();
		if (was) options.onDown?.();
		if (closing) return;
		// mqtt.js reconnects every reconnectPeriod (read when it schedules the next
		// attempt): doubled after each failure while the broker stays away.
		delay = Math.min(backoff.maxMs, delay * 2);
		client.options.reconnectPeriod = delay;
	});
	client.on('error', (err) => log(`mqtt: external broker: ${err.message}`));

	const stats = (): ExternalLinkStats => ({
		connects,
		acked: acks.acked,
		ackWrites: acks.writes,
		pendingAcks: acks.pending,
		maxPendingAcks: acks.maxPending,
		holds,
		storeRetries
	});
	options.ingest.metrics.external = stats;

	return {
		isUp: () => client.connected && subscribed,
		ready,
		stats,
		async publish(topic, payload, publishOptions = {}) {
			// Not queued while away: the dashboards catch up from the database when they reconnect.
			if (!client.connected) throw new Error('external broker not connected');
			await client.publishAsync(topic, payload, { qos: 1, retain: publishOptions.retain ?? false });
		},
		async close() {
			closing = true;
			// Everything handed to the ingest is written first, so its PUBACKs can go out.
			await options.ingest.flush().catch(() => {});
			await client.endAsync();
		}
	};
}
