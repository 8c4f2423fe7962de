// Small helpers for the ingest benchmark: percentiles, CPU time from /proc, rounding
// and a text table.
import { readFileSync } from 'node:fs';

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

export function round(value: number | null | undefined, digits: number): number | null {
	if (value === null || value === undefined || !Number.isFinite(value)) return null;
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

/** Clock ticks per second for /proc/<pid>/stat: 100 on every Linux this runs on. */
const CLK_TCK = 100;

/** User + system CPU seconds of a process from /proc, or null. */
export function processCpuSeconds(pid: number): number | null {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// "pid (comm) state ppid … utime stime": comm may contain spaces.
		const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		return Number.isFinite(ticks) ? ticks / CLK_TCK : null;
	} catch {
		return null;
	}
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat), or null. */
export function machineBusySeconds(): number | null {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
		const [, ...values] = line.trim().split(/\s+/);
		const n = values.map(Number);
		// user nice system idle iowait irq softirq steal …
		const busy = n[0]! + n[1]! + n[2]! + n[5]! + n[6]! + n[7]!;
		return busy / CLK_TCK;
	} catch {
		return null;
	}
}

/** Fixed-width text table; numbers and null ("—") right-aligned. */
export function formatTable(header: string[], rows: (string | number | null)[][]): string {
	const cells = rows.map((row) => row.map((c) => (c === null ? '—' : String(c))));
	const numeric = header.map((_, i) => rows.every((row) => row[i] === null || typeof row[i] === 'number'));
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
	const line = (row: string[]) => row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
