import { seededRandom } from '../../src/lib/domain/random';

/** A seeded random stream with the few distributions the simulator needs. */
export interface Rng {
	/** Uniform in [0, 1). */
	next(): number;
	/** Uniform in [min, max). */
	between(min: number, max: number): number;
	/** Gaussian with mean 0 (Box–Muller). */
	normal(sigma: number): number;
	/** Waiting time of a Poisson process with `rate` events per unit (Infinity when rate is 0). */
	exponential(rate: number): number;
}

/** FNV-1a: a stable 32-bit hash of a label such as a device id. */
function hash(label: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < label.length; i++) {
		h ^= label.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/**
 * One stream per (seed, label): each device draws from its own stream, so its
 * readings do not depend on how many other devices run or in which order their
 * timers fire.
 */
export function createRng(seed: number, label = ''): Rng {
	const next = seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ hash(label)) >>> 0);
	return {
		next,
		between: (min, max) => min + (max - min) * next(),
		normal(sigma) {
			const u = 1 - next(); // (0, 1]: log(0) never happens
			return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
		},
		exponential(rate) {
			if (rate <= 0) return Infinity;
			return -Math.log(1 - next()) / rate;
		}
	};
}
