import { BAD_KINDS, badMessage, consumesSeq, type BadKind } from '../lib/bad';
import type { SensorSpec } from '../lib/credentials';
import { createRng } from '../lib/rng';
import type { Fault, Scenario } from '../lib/scenario';
import { SensorModel } from '../lib/sensor-model';
import { topics } from '../lib/topics';
import { SimDevice, type DeviceContext } from './device';

export interface SensorOptions {
	scenario: Scenario;
	fault?: Fault | null;
	/** Probability per report that the network drops (then stays down 1–5 report intervals). */
	dropRate?: number;
	/** `--bad`: probability per report of also sending one bad message (kinds in turn). */
	badRate?: number;
	/** The device whose topic the `foreign_device` bad message uses. */
	peerId?: string;
	/** Simulated seconds before the first reading (default: random within one interval). */
	startOffsetS?: number;
}

/**
 * A water-level sensor: measures every report interval (simulated time) and
 * publishes `{"distance_cm","ts","bat","seq"}` at QoS 1 to its level topic.
 */
export class Sensor extends SimDevice {
	readonly model: SensorModel;
	private readonly intervalMs: number;
	private readonly offsetMs: number;
	private tick = 0;
	private nextBad: number;

	constructor(
		readonly spec: SensorSpec,
		ctx: DeviceContext,
		private readonly options: SensorOptions
	) {
		super(spec, ctx);
		this.model = new SensorModel(spec, options.scenario, createRng(ctx.seed, `${spec.id}/model`), options.fault ?? null);
		this.intervalMs = spec.reportIntervalS * 1000;
		this.offsetMs = options.startOffsetS !== undefined ? options.startOffsetS * 1000 : this.rng.next() * this.intervalMs;
		this.nextBad = Math.floor(this.rng.next() * BAD_KINDS.length);
	}

	protected override onStart(): void {
		this.schedule();
	}

	private schedule(): void {
		// Readings sit on a fixed simulated grid, so timer jitter never changes what is measured.
		const at = this.offsetMs + this.tick * this.intervalMs;
		this.later(this.ctx.clock.delayUntil(at), () => this.measure(at));
	}

	private measure(simMs: number): void {
		this.tick++;
		const sample = this.model.sample(simMs / 60_000);
		if (sample.kind === 'dead') {
			this.emit('dead');
			void this.kill(); // brown-out: no DISCONNECT, the LWT tells the server
			return;
		}
		if (sample.kind === 'reading') {
			this.stats.readings++;
			const seq = this.nextSeq();
			const payload = JSON.stringify({ distance_cm: sample.distanceCm, ts: this.ctx.clock.stamp(simMs), bat: sample.batteryV, seq, boot: this.ctx.boot });
			this.enqueue({ topic: topics.level(this.ctx.rw, this.id), payload, qos: 1, seq });
		}
		if (this.rng.next() < (this.options.badRate ?? 0)) this.sendBad(simMs);
		if (this.rng.next() < (this.options.dropRate ?? 0)) {
			this.drop(this.ctx.clock.toRealMs(this.rng.between(1, 5) * this.intervalMs));
		}
		this.schedule();
	}

	/** Sends the next kind of bad message (round robin, so every kind shows up). */
	sendBad(simMs = this.ctx.clock.elapsedSimMs()): BadKind {
		const kind = BAD_KINDS[this.nextBad++ % BAD_KINDS.length]!;
		const seq = consumesSeq(kind) ? this.nextSeq() : 0;
		const peerId = this.options.peerId ?? (this.id === 'sim-peer-01' ? 'sim-peer-02' : 'sim-peer-01');
		const message = badMessage(kind, { rw: this.ctx.rw, id: this.id, peerId, seq, ts: this.ctx.clock.stamp(simMs) });
		this.stats.bad[kind]++;
		this.enqueue({ ...message, seq: consumesSeq(kind) ? seq : null, bad: kind });
		return kind;
	}
}
