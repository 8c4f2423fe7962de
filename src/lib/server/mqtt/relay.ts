import type { Server as HttpServer } from 'node:http';
import { startBroker, type BrokerHandle, type BrokerHooks } from './broker';

export interface AlertsRelayOptions {
	/** The app's HTTP server: /mqtt is served on it. */
	httpServer: HttpServer;
	/**
	 * The embedded broker's rules (brokerHooks): the relay takes their dashboard-token
	 * check (with its throttle) and their subscription ACL, and nothing else.
	 */
	hooks: BrokerHooks;
	/** Whether the external broker link is up (connected and subscribed). */
	upstreamUp: () => boolean;
	log?: (message: string) => void;
}

export interface AlertsRelay {
	wsPath: string;
	stats(): { connectedClients: number; refusedConnections: number };
	/** An alert the instance received from the external broker, handed to its dashboards. */
	forward(topic: string, payload: Buffer): void;
	/** The external broker link went down: every dashboard reconnects, and catches up once it is back. */
	dropAll(): void;
	close(): Promise<void>;
}

/**
 * With an external broker (MQTT_URL) browsers still connect to the app's own /mqtt: an
 * aedes without a TCP listener serves MQTT over WebSocket to dashboards only (the same
 * short-lived token and the same ACL as the embedded broker: one RW's alerts), and the
 * instance's one subscription to every RW's alerts on the external broker feeds it
 * (docs/architecture.md, "The realtime path"). Devices use the external broker; here
 * they are refused. While the link is down the relay refuses dashboards and drops those
 * connected, so a screen says "disconnected" instead of showing a feed that is silent,
 * and its reconnect after the link returns catches up from the database.
 */
export async function startAlertsRelay(options: AlertsRelayOptions): Promise<AlertsRelay> {
	const log = options.log ?? (() => {});
	const broker: BrokerHandle = await startBroker({
		port: null,
		host: '127.0.0.1',
		httpServer: options.httpServer,
		allowAnonymous: false,
		hooks: {
			async authenticate(clientId, username, password, address) {
				if (username !== 'dashboard') return { ok: false, reason: 'dashboards_only', code: 5 };
				if (!options.upstreamUp()) return { ok: false, reason: 'broker_down', code: 5 };
				return options.hooks.authenticate(clientId, username, password, address);
			},
			// Dashboards only read.
			publish: async () => 'drop',
			subscribe: (principal, filter) => principal.kind === 'dashboard' && options.hooks.subscribe(principal, filter)
		},
		log
	});
	return {
		wsPath: broker.wsPath!,
		stats: () => broker.stats(),
		forward(topic, payload) {
			broker.publish(topic, payload).catch((err: unknown) => log(`mqtt: relaying ${topic} failed: ${String(err)}`));
		},
		dropAll() {
			for (const id of broker.clientIds()) broker.disconnect(id);
		},
		close: () => broker.close()
	};
}
