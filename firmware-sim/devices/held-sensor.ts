import type { SensorSpec } from '../lib/credentials';
import { topics } from '../lib/topics';
import { SimDevice, type DeviceContext } from './device';

/**
 * A water-level sensor whose water the caller sets: it reports the level of the last
 * `hold(cm)` every `everyMs` real milliseconds (stamped with the wall clock, as a device
 * with NTP does) until told another, and nothing before the first. For a journey that
 * moves the water step by step, each level held until what it watches has seen it, so
 * no level is passed before it was looked at however slow the machine is; the app's
 * median filter and hold see a steady stream of readings at each level, as from a real
 * sensor. Everything else (connection, LWT, outbox, seq) is the simulated device's.
 */
export class HeldSensor extends SimDevice {
	private levelCm: number | null = null;

	constructor(
		readonly spec: SensorSpec,
		ctx: DeviceContext,
		private readonly everyMs = 250
	) {
		super(spec, ctx);
	}

	/** From the next report on, the water stands `levelCm` above the channel bottom. */
	hold(levelCm: number): void {
		this.levelCm = levelCm;
	}

	protected override onStart(): void {
		this.later(0, () => this.report());
	}

	private report(): void {
		const levelCm = this.levelCm;
		if (levelCm !== null) {
			this.stats.readings++;
			const seq = this.nextSeq();
			const distance_cm = Math.round((this.spec.mountingHeightCm - levelCm) * 10) / 10;
			const payload = JSON.stringify({ distance_cm, ts: this.ctx.clock.stamp(this.ctx.clock.elapsedSimMs()), bat: 4, seq, boot: this.ctx.boot });
			this.enqueue({ topic: topics.level(this.ctx.rw, this.id), payload, qos: 1, seq });
		}
		this.later(this.everyMs, () => this.report());
	}
}
