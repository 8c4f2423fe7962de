// The Node flags the app runs with: those of `npm start` (package.json), so that
// benchmarks and tests that start the app run the shipped configuration. The V8 heap is tuned there:
// `--max-semi-space-size=32` lets the main thread's young generation grow to 32 MB per
// semi-space, so the objects of a reading that lives for one group commit (tens of ms)
// die young instead of being promoted and collected by full mark-compact GCs; the
// worker threads keep a small one (src/lib/server/workers/start.ts; bench/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The `--flags` between `node` and the script (the last word) in package.json's `start`. */
export function serverNodeFlags(): string[] {
	const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
	return startFlags(pkg.scripts.start);
}

/** The `--flags` of a `node … script` command line. */
export function startFlags(start: string): string[] {
	const words = start.trim().split(/\s+/);
	if (words[0] !== 'node' || words.length < 2) throw new Error(`package.json start does not run node: ${start}`);
	const flags = words.slice(1, -1);
	// `--flag=value` only: a value in a word of its own would be lost here.
	if (!flags.every((w) => w.startsWith('--'))) throw new Error(`package.json start: write node flags as --flag=value: ${start}`);
	return flags;
}

/** The start flags this process lacks (its own command line and NODE_OPTIONS). */
export function missingServerFlags(): string[] {
	const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
	return serverNodeFlags().filter((flag) => !own.includes(flag));
}
