import type { Server as HttpServer } from 'node:http';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Ingest } from '../ingest/ingest';
import type { MqttSide } from '../runtime';
import { connectExternalBroker } from './external';
import { brokerHooks } from './hooks';
import { startAlertsRelay } from './relay';

export interface ExternalSideOptions {
	config: Pick<Config, 'mqttUrl' | 'mqttUsername' | 'mqttPassword' | 'mqttClientId' | 'mqttSessionExpirySeconds' | 'mqttReceiveMaximum'>;
	db: Database;
	ingest: Ingest;
	/** The dashboard-token key (the PII keys' `tokens`). */
	tokenKey: Buffer;
	/** When given, browsers' /mqtt is served on it (the alerts relay). */
	httpServer?: HttpServer;
	log: (message: string) => void;
}

/**
 * MQTT_URL mode: the app is a client of the external broker (external.ts) and, for the
 * browsers, serves /mqtt as a relay of the alerts it hears there (relay.ts).
 */
export async function externalSide(options: ExternalSideOptions): Promise<MqttSide> {
	const { config, db, ingest, log } = options;
	let linkUp = () => false;
	const relay = options.httpServer
		? await startAlertsRelay({
				httpServer: options.httpServer,
				hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey: options.tokenKey }),
				upstreamUp: () => linkUp(),
				log
			})
		: null;
	const external = connectExternalBroker({
		url: config.mqttUrl!,
		username: config.mqttUsername,
		password: config.mqttPassword,
		clientId: config.mqttClientId,
		sessionExpirySeconds: config.mqttSessionExpirySeconds,
		receiveMaximum: config.mqttReceiveMaximum,
		ingest,
		onAlert: relay?.forward,
		onDown: relay?.dropAll,
		log
	});
	linkUp = external.isUp;
	return {
		mode: 'external',
		tcpPort: null,
		wsPath: relay?.wsPath ?? null,
		isUp: external.isUp,
		stats: () => relay?.stats() ?? { connectedClients: 0, refusedConnections: 0 },
		publish: external.publish,
		disconnect: (id) => log(`mqtt: cannot drop ${id} on an external broker; run npm run mosquitto:config`),
		async close() {
			await relay?.close();
			await external.close();
		}
	};
}
