import type { SensorSpec } from './credentials';
import type { Rng } from './rng';
import { levelAt, type Fault, type Scenario } from './scenario';

/** Ultrasonic sensors (JSN-SR04T class) see nothing closer than this. */
export const BLIND_ZONE_CM = 20;
export const BATTERY_FULL_V = 4.1;
/** Below this the board browns out and goes silent. */
export const BATTERY_CUTOFF_V = 3.0;

export type Sample =
	| { kind: 'reading'; distanceCm: number; batteryV: number }
	/** Fault `stops`: the firmware hangs in its measuring loop but keeps the connection. */
	| { kind: 'silent' }
	/** The battery is below cut-off. */
	| { kind: 'dead' };

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * What one sensor measures over simulated time: the distance to the water
 * (docs/domain.md, "Flood monitoring": the server turns it into a level with the mounting
 * height), with noise, occasional bad echoes, a draining battery and the
 * scenario's fault for this sensor. Pure apart from its own random stream.
 */
export class SensorModel {
	private batteryV = BATTERY_FULL_V;
	private lastMinute = 0;
	private stuckCm: number | null = null;

	constructor(
		private readonly spec: SensorSpec,
		private readonly scenario: Scenario,
		private readonly rng: Rng,
		private readonly fault: Fault | null = null
	) {}

	private faultActive(kind: Fault['kind'], minute: number): boolean {
		return this.fault?.kind === kind && minute >= this.fault.at_min;
	}

	/** The measurement at a simulated minute; call with non-decreasing minutes. */
	sample(minute: number): Sample {
		const hours = Math.max(0, minute - this.lastMinute) / 60;
		this.lastMinute = minute;
		let drain = this.scenario.battery_drain_v_per_h;
		if (this.fault?.kind === 'battery_dies' && minute >= this.fault.at_min) drain += this.fault.drain_v_per_h;
		this.batteryV = Math.max(0, this.batteryV - drain * hours);
		if (this.batteryV < BATTERY_CUTOFF_V) return { kind: 'dead' };
		if (this.faultActive('stops', minute)) return { kind: 'silent' };

		// Always draw the same four numbers, so a reading's noise depends only on its position.
		const noise = this.rng.normal(this.scenario.noise_cm);
		const echo = this.rng.next();
		const toMax = this.rng.next() < 0.5;
		const random = this.rng.between(BLIND_ZONE_CM, this.spec.maxRangeCm);
		const clamp = (d: number) => round(Math.min(this.spec.maxRangeCm, Math.max(BLIND_ZONE_CM, d)), 1);
		const clean = clamp(this.spec.mountingHeightCm - levelAt(this.scenario, minute, this.spec) + noise);
		let distanceCm = echo < this.scenario.bad_echo_rate ? clamp(toMax ? this.spec.maxRangeCm : random) : clean;
		if (this.faultActive('stuck', minute)) {
			this.stuckCm ??= clean;
			distanceCm = this.stuckCm;
		}
		return { kind: 'reading', distanceCm, batteryV: round(this.batteryV, 2) };
	}
}
