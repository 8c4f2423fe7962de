// Table on stdout and JSON in bench/results/ (format in docs/architecture.md, "Benchmarks").
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './app';

export type Metrics = Record<string, number | null>;

export function round(value: number | null | undefined, digits: number): number | null {
	if (value === null || value === undefined || !Number.isFinite(value)) return null;
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

/** Fixed-width text table; numbers and `null` (shown as "—") are right-aligned. */
export function formatTable(header: string[], rows: (string | number | null)[][]): string {
	const cells = rows.map((row) => row.map((c) => (c === null ? '—' : String(c))));
	const numeric = header.map((_, i) => rows.every((row) => row[i] === null || typeof row[i] === 'number'));
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
	const line = (row: string[]) => row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Writes bench/results/<name>.json and returns its path. */
export async function writeResults(name: string, params: Record<string, unknown>, metrics: Metrics): Promise<string> {
	const file = path.join(ROOT, 'bench/results', `${name}.json`);
	await mkdir(path.dirname(file), { recursive: true });
	const body = { bench: name, at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, params, metrics };
	await writeFile(file, JSON.stringify(body, null, 2) + '\n');
	return file;
}
