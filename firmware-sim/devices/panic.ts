import { topics } from '../lib/topics';
import { SimDevice, type DeviceContext } from './device';
import type { DeviceSpec } from '../lib/credentials';

export interface PanicOptions {
	/** Presses per simulated hour (Poisson); 0 = only when press() is called. */
	ratePerHour: number;
}

/** A panic button at home: `{"ts","seq"}` at QoS 1 on `rw/{rw}/panic/{id}` per press. */
export class PanicButton extends SimDevice {
	constructor(
		spec: DeviceSpec,
		ctx: DeviceContext,
		private readonly options: PanicOptions
	) {
		super(spec, ctx);
	}

	protected override onStart(): void {
		this.scheduleFrom(0);
	}

	private scheduleFrom(simMs: number): void {
		const gapH = this.rng.exponential(this.options.ratePerHour);
		if (!Number.isFinite(gapH)) return;
		const at = simMs + gapH * 3_600_000;
		this.later(this.ctx.clock.delayUntil(at), () => {
			void this.press(at);
			this.scheduleFrom(at);
		});
	}

	/** One press; resolves when the broker has acknowledged it (buffered while offline). */
	press(simMs = this.ctx.clock.elapsedSimMs()): Promise<void> {
		return new Promise((resolve) => {
			this.stats.presses++;
			const seq = this.nextSeq();
			const payload = JSON.stringify({ ts: this.ctx.clock.stamp(simMs), seq, boot: this.ctx.boot });
			this.enqueue({ topic: topics.panic(this.ctx.rw, this.id), payload, qos: 1, seq, onAcked: resolve });
		});
	}
}
