import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Principal } from './acl';

export const MQTT_WS_PATH = '/mqtt';
/** Where a dropped message is sent instead: a `$` topic no client can subscribe to. */
const SINK_TOPIC = '$RUKUN/dropped';

/** MQTT 3.1.1 CONNACK return codes. */
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string; code?: 4 | 5 };

/** The rules, supplied by the runtime; the broker only transports. */
export interface BrokerHooks {
	/** `address`: the client's IP address (of the TCP socket, or of the WebSocket's HTTP request). */
	authenticate(clientId: string, username: string | undefined, password: Buffer | undefined, address: string): Promise<AuthResult>;
	/** Runs before the PUBACK: store first, then answer (null principal: a will after its client left). */
	publish(principal: Principal | null, topic: string, payload: Buffer): Promise<'deliver' | 'drop'>;
	subscribe(principal: Principal, filter: string): boolean;
}

export interface BrokerOptions {
	/** MQTT over TCP; null: none (the alerts relay serves only the WebSocket). */
	port: number | null;
	host: string;
	/** When given, MQTT over WebSocket is served at /mqtt on this HTTP server. */
	httpServer?: HttpServer;
	/** Development switch: accept connections without credentials (default hooks only). */
	allowAnonymous: boolean;
	hooks?: BrokerHooks;
	log?: (message: string) => void;
}

export interface BrokerStats {
	connectedClients: number;
	refusedConnections: number;
}

export interface BrokerHandle {
	aedes: Aedes;
	/** 0 without a TCP listener (the alerts relay). */
	tcpPort: number;
	wsPath: string | null;
	isUp(): boolean;
	stats(): BrokerStats;
	/** Closes a client's connection at once (a disabled device). */
	disconnect(clientId: string): void;
	/** The ids of the clients connected now. */
	clientIds(): string[];
	/** A server message (alerts, pump commands), QoS 1, past the publish hook (the server is trusted). */
	publish(topic: string, payload: string | Buffer, options?: { retain?: boolean }): Promise<void>;
	close(): Promise<void>;
}

/** Without the runtime's rules: anonymous development access or nothing. */
function defaultHooks(allowAnonymous: boolean): BrokerHooks {
	return {
		authenticate: async (_id, username) =>
			allowAnonymous ? { ok: true, principal: { kind: 'anonymous' } } : { ok: false, reason: username ? 'bad_credentials' : 'no_credentials' },
		publish: async (_p, topic) => (topic.startsWith('$') ? 'drop' : 'deliver'),
		subscribe: (_p, filter) => !filter.startsWith('$')
	};
}

type RukunClient = Client & { rukun?: Principal; expiry?: NodeJS.Timeout };

const clientsOf = (aedes: Aedes) => (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;

/** The peer's address: the TCP socket's, or for MQTT over WebSocket the upgrade request's socket. */
function clientAddress(client: Client): string {
	const socket = client.req?.socket ?? (client.conn as { remoteAddress?: string });
	return socket.remoteAddress ?? 'unknown';
}

const expired = (p: Principal) => p.kind === 'dashboard' && p.expiresAt !== undefined && p.expiresAt <= Date.now();

/**
 * A dashboard's token is checked at connect; an open connection must not outlive it
 * (a session logged out or a role taken away ends there too): it is closed at the
 * token's expiry, and no subscription is granted past it. The page has fetched a new
 * token by then; it reconnects with it and catches up from the database.
 */
function closeAtExpiry(client: RukunClient): void {
	const p = client.rukun;
	if (p?.kind !== 'dashboard' || p.expiresAt === undefined) return;
	clearTimeout(client.expiry);
	client.expiry = setTimeout(() => {
		if (!client.closed) client.close();
	}, Math.max(0, p.expiresAt - Date.now()));
	client.expiry.unref();
}

/**
 * The embedded aedes broker on TCP and, when an HTTP server is given, on
 * WebSocket at /mqtt of that server (docs/architecture.md, "One process"). Access rules
 * live only in the hooks (src/lib/server/mqtt/acl.ts through the runtime).
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
	const log = options.log ?? (() => {});
	const hooks = options.hooks ?? defaultHooks(options.allowAnonymous);
	let refused = 0;
	const aedes = await Aedes.createBroker({
		authenticate: (client: RukunClient, username, password, done) => {
			hooks.authenticate(client.id, username, password, clientAddress(client)).then(
				(result) => {
					if (result.ok) {
						client.rukun = result.principal;
						closeAtExpiry(client);
						return done(null, true);
					}
					refused++;
					log(`mqtt: refused ${client.id}: ${result.reason}`);
					const error = Object.assign(new Error(result.reason), { returnCode: result.code ?? BAD_CREDENTIALS });
					return done(error as AuthenticateError, false);
				},
				(err: unknown) => {
					log(`mqtt: authentication failed for ${client.id}: ${String(err)}`);
					const error = Object.assign(new Error('unavailable'), { returnCode: NOT_AUTHORIZED });
					done(error as AuthenticateError, false);
				}
			);
		},
		authorizePublish: (client: RukunClient | null, packet, done) => {
			hooks.publish(client?.rukun ?? null, packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)).then(
				(verdict) => {
					if (verdict === 'drop') {
						// Acknowledged (so a buffering device moves on) but delivered nowhere.
						packet.topic = SINK_TOPIC;
						packet.retain = false;
						packet.payload = Buffer.alloc(0);
					}
					done(null);
				},
				// Not stored: no PUBACK; the connection closes and the device sends it again.
				(err: unknown) => done(err instanceof Error ? err : new Error(String(err)))
			);
		},
		authorizeSubscribe: (client: RukunClient, subscription, done) => {
			const principal = client.rukun;
			done(null, principal && !expired(principal) && hooks.subscribe(principal, subscription.topic) ? subscription : null);
		}
	});
	aedes.on('clientError', (client, err) => log(`mqtt: client ${client.id} error: ${err.message}`));
	aedes.on('clientDisconnect', (client: RukunClient) => clearTimeout(client.expiry));

	const port = options.port;
	const tcp: NetServer | null = port === null ? null : createServer({ noDelay: true }, (socket) => aedes.handle(socket));
	if (tcp) {
		await new Promise<void>((resolve, reject) => {
			tcp.once('error', reject);
			tcp.listen({ port, host: options.host }, () => {
				tcp.off('error', reject);
				resolve();
			});
		});
	}

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
		tcpPort: tcp ? (tcp.address() as AddressInfo).port : 0,
		wsPath: wss ? MQTT_WS_PATH : null,
		isUp: () => !closed && !aedes.closed && (tcp ? tcp.listening : true),
		stats: () => ({ connectedClients: aedes.connectedClients, refusedConnections: refused }),
		disconnect(clientId) {
			clientsOf(aedes)[clientId]?.close();
		},
		clientIds: () => Object.keys(clientsOf(aedes)),
		publish(topic, payload, publishOptions = {}) {
			return new Promise((resolve, reject) => {
				if (closed) return reject(new Error('broker closed'));
				aedes.publish(
					{ cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: 1, retain: publishOptions.retain ?? false, dup: false },
					(err) => (err ? reject(err) : resolve())
				);
			});
		},
		async close() {
			if (closed) return;
			closed = true;
			if (onUpgrade && options.httpServer) options.httpServer.off('upgrade', onUpgrade);
			for (const client of wss?.clients ?? []) client.terminate();
			wss?.close();
			await new Promise<void>((resolve) => aedes.close(() => resolve()));
			if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
		}
	};
}
