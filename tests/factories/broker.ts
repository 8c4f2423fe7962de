import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Database } from '../../src/lib/server/db/types';
import type { SessionUser } from '../../src/lib/server/auth/sessions';
import { createDevice, type NewDevice } from '../../src/lib/server/devices/devices';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';

/** A device as the admin's form registers it: a water-level sensor unless `kind` says otherwise. */
export function newDevice(id: string, kind: NewDevice['kind'] = 'sensor', overrides: Partial<NewDevice> = {}): NewDevice {
	const sensor = kind === 'sensor';
	return {
		id,
		kind,
		name: id,
		rtId: null,
		lat: null,
		lng: null,
		reportIntervalS: 60,
		mountingHeightCm: sensor ? 300 : null,
		maxRangeCm: 400,
		siaga3Cm: sensor ? 100 : null,
		siaga2Cm: sensor ? 150 : null,
		siaga1Cm: sensor ? 200 : null,
		...overrides
	};
}

/**
 * The embedded MQTT side of the app on a test database: an `Ingest` and an aedes broker
 * with the app's hooks on an ephemeral loopback port. `register` creates devices (the
 * admin's way) and keeps their secrets; `connect` logs a device in with them.
 */
export interface TestBroker {
	ingest: Ingest;
	broker: BrokerHandle;
	tokenKey: Buffer;
	secrets: Map<string, string>;
	register(admin: SessionUser, ...devices: NewDevice[]): Promise<void>;
	/** Resolves once connected; rejects with the broker's refusal. */
	connect(id: string, options?: mqtt.IClientOptions): Promise<mqtt.MqttClient>;
	/** Ends every client, then the broker. */
	close(): Promise<void>;
}

export async function startTestBroker(db: Database, options: { ingest?: Ingest; tokenKey?: Buffer } = {}): Promise<TestBroker> {
	const ingest = options.ingest ?? new Ingest(db);
	const tokenKey = options.tokenKey ?? randomBytes(32);
	const broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false, hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey }) });
	const secrets = new Map<string, string>();
	const clients: mqtt.MqttClient[] = [];
	return {
		ingest,
		broker,
		tokenKey,
		secrets,
		async register(admin, ...devices) {
			for (const device of devices) {
				const created = await createDevice(db, admin, device);
				if (!created.ok) throw new Error(`${device.id}: ${created.reason}`);
				secrets.set(device.id, created.secret);
			}
		},
		connect(id, clientOptions = {}) {
			return new Promise((resolve, reject) => {
				const client = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: id, username: id, password: secrets.get(id), reconnectPeriod: 0, ...clientOptions });
				clients.push(client);
				client.once('connect', () => resolve(client));
				client.once('error', reject);
			});
		},
		async close() {
			await Promise.all(clients.map((c) => c.endAsync(true)));
			await broker.close();
		}
	};
}
