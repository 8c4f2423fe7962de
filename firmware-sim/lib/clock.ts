/**
 * `real`: payload `ts` is the wall clock, as a device with NTP stamps it (the
 * server accepts it as is). `sim`: `ts` is simulated time, which runs ahead of
 * the wall clock when speed > 1 (the server flags such readings as clock skew).
 */
export type TsMode = 'real' | 'sim';

/** Simulated time: `speed` simulated milliseconds pass per real millisecond. */
export class SimClock {
	readonly startReal: number;

	constructor(
		readonly speed: number,
		readonly tsMode: TsMode = 'real',
		private readonly now: () => number = Date.now
	) {
		if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
		this.startReal = now();
	}

	/** Simulated milliseconds since the start. */
	elapsedSimMs(): number {
		return (this.now() - this.startReal) * this.speed;
	}

	/** Real milliseconds from now until the simulated instant `simMs` (0 if past). */
	delayUntil(simMs: number): number {
		return Math.max(0, this.startReal + simMs / this.speed - this.now());
	}

	/** Real milliseconds that a simulated span takes. */
	toRealMs(simMs: number): number {
		return simMs / this.speed;
	}

	/** ISO UTC timestamp for something measured at simulated instant `simMs`. */
	stamp(simMs: number): string {
		return new Date(this.tsMode === 'sim' ? this.startReal + simMs : this.now()).toISOString();
	}
}
