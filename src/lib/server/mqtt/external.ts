import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import mqtt from 'mqtt';
import type { Ingest } from '../ingest/ingest';

/** Topics the app ingests, as MQTT 5 shared subscriptions: instances split the load. */
export const SHARED_SUBSCRIPTIONS = [
	'$share/rukun/rw/+/sensor/+/level',
	'$share/rukun/rw/+/panic/+',
	'$share/rukun/rw/+/device/+/status',
	'$share/rukun/rw/+/pump/+/state'
];

export interface ExternalBroker {
	isUp(): boolean;
	close(): Promise<void>;
}

/**
 * MQTT_URL mode: no embedded broker; the app is a client of an external one
 * (Mosquitto, EMQX) whose ACL admits only registered devices to their topics
 * (`npm run mosquitto:config`). Store-then-ack holds here too: mqtt.js sends the
 * PUBACK for a message only when `handleMessage` calls back, after ingest stored it.
 */
export async function connectExternalBroker(options: {
	url: string;
	username?: string;
	password?: string;
	ingest: Ingest;
	log?: (message: string) => void;
}): Promise<ExternalBroker> {
	const log = options.log ?? (() => {});
	const client = mqtt.connect(options.url, {
		protocolVersion: 5,
		clientId: `rukun-app-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
		username: options.username,
		password: options.password,
		clean: true,
		reconnectPeriod: 2000,
		connectTimeout: 10_000
	});
	client.handleMessage = (packet, callback) => {
		const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
		// The broker enforced who may publish where; ingest checks the device and payload.
		options.ingest.handle(null, packet.topic, payload).then(
			() => callback(),
			(err: unknown) => {
				log(`mqtt: not stored, not acknowledged (${packet.topic}): ${String(err)}`);
				callback(err instanceof Error ? err : new Error(String(err)));
			}
		);
	};
	client.on('error', (err) => log(`mqtt: external broker: ${err.message}`));
	const subscribed = new Promise<void>((resolve, reject) => {
		client.on('connect', () => {
			client.subscribe(SHARED_SUBSCRIPTIONS, { qos: 1 }, (err) => {
				if (err) {
					log(`mqtt: subscribe failed: ${err.message}`);
					reject(err);
				} else resolve();
			});
		});
		client.once('error', reject);
	});
	await subscribed;
	return {
		isUp: () => client.connected,
		close: () => client.endAsync()
	};
}
