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

/**
 * mulberry32: a small deterministic PRNG, same seed, same stream. The app's seeds use
 * the same generator (src/lib/domain/random.ts); the simulator keeps its own copy
 * because it imports nothing from src (docs/architecture.md, "Layers").
 */
function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
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
	const next = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ hash(label)) >>> 0);
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
