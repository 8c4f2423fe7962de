// Helpers for the ingest benchmark: percentiles here; rounding, the text table and
// CPU time from /proc come from bench/lib, shared with bench:http.

/** Percentile (0..100) of the values, nearest-rank; null when there are none. */
export function percentile(sorted: Float64Array, p: number): number | null {
	if (sorted.length === 0) return null;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** All latency arrays in one sorted array. */
export function mergeSorted(parts: Float64Array[]): Float64Array {
	const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out.sort();
}

// One implementation of these for both benchmarks (bench/lib).
export { formatTable, round } from '../lib/report';
export { machineBusySeconds, processCpuSeconds } from '../lib/proc';
