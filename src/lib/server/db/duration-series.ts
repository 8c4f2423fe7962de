// Durations kept for percentiles: the session gate's holds and waits (worker thread) and
// the replies' wait on the main thread (worker-client.ts).
import type { Summary } from './worker-protocol';

/** Samples kept per series for the percentiles of `stats()` (the most recent ones). */
const SAMPLES = 8192;

export const round = (ms: number) => Math.round(ms * 100) / 100;

/** A series of durations, ms: count, total, max and the percentiles of the most recent SAMPLES. */
export function series() {
	const samples: number[] = [];
	let count = 0;
	let total = 0;
	let max = 0;
	return {
		add(ms: number) {
			if (samples.length === SAMPLES) samples[count % SAMPLES] = ms;
			else samples.push(ms);
			count++;
			total += ms;
			if (ms > max) max = ms;
		},
		summary(): Summary {
			const sorted = [...samples].sort((a, b) => a - b);
			const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
			return { count, totalMs: round(total), p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), max: round(max) };
		}
	};
}
