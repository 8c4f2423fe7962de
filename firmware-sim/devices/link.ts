import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';

export interface LinkOptions {
	url: string;
	id: string;
	/** null: no credentials (broker with anonymous access). */
	secret: string | null;
	/** Retained `online` on connect; the will (LWT) is the retained `offline`. */
	statusTopic: string;
	/** Real milliseconds between reconnect attempts. */
	reconnectMs: number;
	keepaliveS: number;
}

type LinkEvents = { up: []; down: []; connectError: [Error]; message: [string, Buffer] };

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> =>
	new Promise((resolve, reject) => {
		const timer = setTimeout(() => resolve('timeout'), ms);
		promise.then(
			(value) => (clearTimeout(timer), resolve(value)),
			(error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error))))
		);
	});

/**
 * One device's MQTT connection: MQTT 3.1.1, clientId = username = device id,
 * persistent session (`clean: false`) and a retained LWT (README, "Devices and MQTT").
 * It reconnects by itself, so it can hold a reconnect back to simulate an
 * outage; mqtt.js's own reconnect timer is off.
 */
export class DeviceLink extends EventEmitter<LinkEvents> {
	private client: MqttClient | null = null;
	private retry: NodeJS.Timeout | null = null;
	private holdUntil = 0;
	private stopped = false;
	connected = false;

	constructor(private readonly options: LinkOptions) {
		super();
	}

	start(): void {
		if (this.client) throw new Error(`${this.options.id}: already started`);
		const { url, id, secret, statusTopic, keepaliveS } = this.options;
		const client = mqtt.connect(url, {
			clientId: id,
			...(secret === null ? {} : { username: id, password: secret }),
			protocolVersion: 4,
			clean: false,
			keepalive: keepaliveS,
			reconnectPeriod: 0,
			resubscribe: false,
			connectTimeout: 10_000,
			will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true }
		});
		this.client = client;
		client.on('connect', () => {
			this.connected = true;
			client.publish(statusTopic, 'online', { qos: 1, retain: true });
			this.emit('up');
		});
		client.on('close', () => {
			const was = this.connected;
			this.connected = false;
			if (was && !this.stopped) this.emit('down'); // a stop or kill is not a lost connection
			this.scheduleReconnect();
		});
		client.on('error', (error) => this.emit('connectError', error));
		client.on('message', (topic, payload) => this.emit('message', topic, payload));
	}

	private scheduleReconnect(): void {
		if (this.stopped || this.retry || !this.client) return;
		const client = this.client;
		const delay = Math.max(this.options.reconnectMs, this.holdUntil - Date.now());
		this.retry = setTimeout(() => {
			this.retry = null;
			if (this.stopped) return;
			// Keep the stores: the QoS 1 message that was in flight is retransmitted after reconnecting.
			client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
		}, delay);
	}

	/** Resolves on PUBACK for QoS 1, once written for QoS 0; survives reconnects. */
	publish(topic: string, payload: string, qos: 0 | 1, retain = false): Promise<void> {
		const client = this.client;
		if (!client) return Promise.reject(new Error(`${this.options.id}: not started`));
		return new Promise((resolve, reject) => {
			client.publish(topic, payload, { qos, retain }, (error) => (error ? reject(error) : resolve()));
		});
	}

	subscribe(topic: string): void {
		this.client?.subscribe(topic, { qos: 1 });
	}

	/** The network goes away: the socket dies without DISCONNECT (so the LWT fires) and stays down for outageMs. */
	drop(outageMs: number): void {
		if (!this.client || !this.connected) return;
		this.holdUntil = Date.now() + outageMs;
		this.client.stream.destroy();
	}

	/** Power loss: the socket dies without DISCONNECT and the device never comes back. */
	async kill(): Promise<void> {
		const client = this.halt();
		if (client) await client.endAsync(true);
	}

	/** Clean shutdown: retained `offline`, then a normal DISCONNECT (so no LWT). */
	async stop(): Promise<void> {
		const client = this.halt();
		if (!client) return;
		if (this.connected) {
			const offline = await withTimeout(this.publish(this.options.statusTopic, 'offline', 1, true), 2000);
			const ended = offline === 'timeout' ? 'timeout' : await withTimeout(client.endAsync(false), 2000);
			if (ended !== 'timeout') return;
		}
		client.stream.destroy();
		await client.endAsync(true);
	}

	private halt(): MqttClient | null {
		if (this.stopped) return null;
		this.stopped = true;
		if (this.retry) clearTimeout(this.retry);
		this.retry = null;
		return this.client;
	}
}
