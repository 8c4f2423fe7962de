import { EventEmitter } from 'node:events';
import type { BadKind } from '../lib/bad';
import { OfflineBuffer } from '../lib/buffer';
import type { SimClock } from '../lib/clock';
import type { DeviceSpec } from '../lib/credentials';
import { createRng, type Rng } from '../lib/rng';
import { newStats } from '../lib/stats';
import { topics } from '../lib/topics';
import { DeviceLink } from './link';

export interface DeviceContext {
	url: string;
	rw: string;
	clock: SimClock;
	seed: number;
	/** Offline buffer capacity in messages (default 1000). */
	bufferCapacity?: number;
	/** Real milliseconds between reconnect attempts (default 1000). */
	reconnectMs?: number;
	keepaliveS?: number;
	/** First seq (default 1). */
	seqStart?: number;
	/**
	 * Sent as `boot` with every message: changes at each start of the device, so the
	 * server tells a seq that restarted after a reboot from a replay (default: none).
	 */
	boot?: number;
}

export interface Outgoing {
	topic: string;
	payload: string;
	qos: 0 | 1;
	/** The seq the payload carries (null for messages without one). */
	seq: number | null;
	bad?: BadKind;
	/** Queued while disconnected: delivered later as a replay. */
	offline: boolean;
	onAcked?: () => void;
}

type DeviceEvents = { up: []; down: []; queued: [Outgoing]; delivered: [Outgoing]; dead: [] };

/**
 * What every simulated device shares: its connection, its seq counter and its
 * outbox. Everything a device sends goes through the outbox, one QoS 1 message
 * in flight at a time, so the order on the wire is the seq order even across
 * disconnects (docs/domain.md, "Flood monitoring": devices buffer while offline and replay in order).
 */
export abstract class SimDevice extends EventEmitter<DeviceEvents> {
	readonly stats = newStats();
	protected readonly rng: Rng;
	protected readonly link: DeviceLink;
	private readonly outbox: OfflineBuffer<Outgoing>;
	private inFlight: Outgoing | null = null;
	private seq: number;
	private running = false;
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(
		readonly spec: DeviceSpec,
		protected readonly ctx: DeviceContext
	) {
		super();
		this.rng = createRng(ctx.seed, spec.id);
		this.seq = ctx.seqStart ?? 1;
		this.outbox = new OfflineBuffer(ctx.bufferCapacity ?? 1000);
		this.link = new DeviceLink({
			url: ctx.url,
			id: spec.id,
			secret: spec.secret,
			statusTopic: topics.status(ctx.rw, spec.id),
			reconnectMs: ctx.reconnectMs ?? 1000,
			keepaliveS: ctx.keepaliveS ?? 30
		});
		this.link.on('up', () => {
			this.stats.connects++;
			this.emit('up');
			this.onUp();
			void this.drain();
		});
		this.link.on('down', () => {
			this.stats.disconnects++;
			this.emit('down');
		});
		this.link.on('connectError', () => this.stats.connectErrors++);
	}

	get id(): string {
		return this.spec.id;
	}

	get connected(): boolean {
		return this.link.connected;
	}

	get isRunning(): boolean {
		return this.running;
	}

	/** Messages not yet acknowledged, the one in flight included. */
	get pending(): number {
		return this.outbox.size + (this.inFlight ? 1 : 0);
	}

	/** The last seq handed out (seqStart − 1 before the first). */
	get lastSeq(): number {
		return this.seq - 1;
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.link.start();
		this.onStart();
	}

	/** Clean stop: timers off, retained `offline`, normal DISCONNECT. */
	async stop(): Promise<void> {
		this.halt();
		await this.link.stop();
	}

	/** Abrupt stop (power loss): no DISCONNECT, so the broker publishes the LWT. */
	async kill(): Promise<void> {
		this.halt();
		await this.link.kill();
	}

	/** Lose the network for `outageMs` real milliseconds; the device keeps working and buffers. */
	drop(outageMs: number): void {
		if (!this.link.connected) return;
		this.stats.drops++;
		this.link.drop(outageMs);
	}

	protected onStart(): void {}
	protected onUp(): void {}

	protected nextSeq(): number {
		return this.seq++;
	}

	/** A timer that stop() and kill() clear. */
	protected later(realMs: number, fn: () => void): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			fn();
		}, realMs);
		this.timers.add(timer);
	}

	protected halt(): void {
		this.running = false;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}

	protected enqueue(message: Omit<Outgoing, 'offline'>): void {
		if (!this.running) return;
		const item: Outgoing = { ...message, offline: !this.link.connected };
		if (item.offline) this.stats.buffered++;
		if (this.outbox.push(item)) this.stats.overflow++;
		this.emit('queued', item);
		void this.drain();
	}

	/** Sends the outbox in order while connected; only one loop runs at a time. */
	private async drain(): Promise<void> {
		if (this.inFlight) return;
		while (this.link.connected) {
			const item = this.outbox.shift();
			if (!item) return;
			if (item.qos === 0) {
				// QoS 0 promises nothing: a failed write is a lost packet, counted.
				this.link.publish(item.topic, item.payload, 0).catch(() => this.stats.sendErrors++);
				if (item.offline) this.stats.replayed++;
				this.emit('delivered', item);
				continue;
			}
			this.inFlight = item;
			try {
				// Resolves on PUBACK; if the connection drops meanwhile, mqtt.js retransmits
				// this message from its session store after reconnecting, before anything newer.
				await this.link.publish(item.topic, item.payload, 1);
			} catch {
				// Only when the client is being shut down: keep the message for a later drain.
				this.inFlight = null;
				this.outbox.unshift(item);
				return;
			}
			this.inFlight = null;
			this.stats.acked++;
			if (item.offline) this.stats.replayed++;
			item.onAcked?.();
			this.emit('delivered', item);
		}
	}
}
