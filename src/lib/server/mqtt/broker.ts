import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export const MQTT_WS_PATH = '/mqtt';

export interface BrokerOptions {
	port: number;
	host: string;
	/** When given, MQTT over WebSocket is served at /mqtt on this HTTP server. */
	httpServer?: HttpServer;
	/** Development switch: accept connections without credentials. */
	allowAnonymous: boolean;
	log?: (message: string) => void;
}

export interface BrokerStats {
	connectedClients: number;
	refusedConnections: number;
}

export interface BrokerHandle {
	aedes: Aedes;
	tcpPort: number;
	wsPath: string | null;
	isUp(): boolean;
	stats(): BrokerStats;
	close(): Promise<void>;
}

/** MQTT 3.1.1 CONNACK return code 4: bad user name or password. */
const BAD_CREDENTIALS = 4;

/**
 * The embedded aedes broker on TCP and, when an HTTP server is given, on
 * WebSocket at /mqtt of that server (DESIGN.md, "One process").
 * Access rules live only in the aedes hooks; until devices have credentials
 * (device issue), every connection is refused unless anonymous access is on.
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
	const log = options.log ?? (() => {});
	let refused = 0;
	const aedes = await Aedes.createBroker({
		authenticate: (client: Client, username: string | undefined, _password, done) => {
			if (options.allowAnonymous) return done(null, true);
			refused++;
			log(`mqtt: refused ${client.id} (user ${username ?? '-'}): no credentials accepted yet`);
			const error = Object.assign(new Error('Bad user name or password'), { returnCode: BAD_CREDENTIALS });
			return done(error as Parameters<typeof done>[0], false);
		}
	});
	aedes.on('clientError', (client, err) => log(`mqtt: client ${client.id} error: ${err.message}`));

	const tcp: NetServer = createServer((socket) => aedes.handle(socket));
	await new Promise<void>((resolve, reject) => {
		tcp.once('error', reject);
		tcp.listen(options.port, options.host, () => {
			tcp.off('error', reject);
			resolve();
		});
	});

	let wss: WebSocketServer | null = null;
	let onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
	if (options.httpServer) {
		const server = new WebSocketServer({ noServer: true });
		wss = server;
		onUpgrade = (req, socket, head) => {
			const path = (req.url ?? '').split('?')[0];
			if (path !== MQTT_WS_PATH) {
				socket.destroy();
				return;
			}
			server.handleUpgrade(req, socket, head, (ws) => {
				aedes.handle(createWebSocketStream(ws), req);
			});
		};
		options.httpServer.on('upgrade', onUpgrade);
	}

	let closed = false;
	return {
		aedes,
		tcpPort: (tcp.address() as AddressInfo).port,
		wsPath: wss ? MQTT_WS_PATH : null,
		isUp: () => !closed && !aedes.closed && tcp.listening,
		stats: () => ({ connectedClients: aedes.connectedClients, refusedConnections: refused }),
		async close() {
			if (closed) return;
			closed = true;
			if (onUpgrade && options.httpServer) options.httpServer.off('upgrade', onUpgrade);
			for (const client of wss?.clients ?? []) client.terminate();
			wss?.close();
			await new Promise<void>((resolve) => aedes.close(() => resolve()));
			await new Promise<void>((resolve) => tcp.close(() => resolve()));
		}
	};
}
