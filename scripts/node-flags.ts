// How the app process is started: the node flags and environment of `npm start` (package.json),
// so that benchmarks and tests that start the app run the shipped configuration.
//
// Node flags: the V8 heap is tuned there: `--max-semi-space-size=32` lets the main thread's
// young generation grow to 32 MB per semi-space, so the objects of a reading that lives for
// one group commit (tens of ms) die young instead of being promoted and collected by full
// mark-compact GCs; the worker threads keep a small one (src/lib/server/workers/start.ts;
// bench/README.md).
//
// Environment: `MALLOC_TRIM_THRESHOLD_=131072` fixes glibc's trim threshold at its default of
// 128 KiB. Left alone, glibc raises it (up to 64 MB per arena) once a large block is freed, and
// each of V8's background threads then keeps in its malloc arena the memory that compiling
// PGlite's WASM with TurboFan used and freed: 45–70 MB of the app's RSS (bench/README.md,
// memory). glibc reads it when the process starts, so it must be in the environment the
// process is started with; other C libraries ignore it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ENV_WORD = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

function startScript(): string {
	const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
	return pkg.scripts.start;
}

/** The words of a `[NAME=value …] node … script` command line, its `NAME=value` settings apart. */
function parseStart(start: string): { env: Record<string, string>; words: string[] } {
	const all = start.trim().split(/\s+/);
	const env: Record<string, string> = {};
	let i = 0;
	for (let m; i < all.length && (m = ENV_WORD.exec(all[i]!)); i++) env[m[1]!] = m[2]!;
	return { env, words: all.slice(i) };
}

/** The `--flags` between `node` and the script (the last word) in package.json's `start`. */
export function serverNodeFlags(): string[] {
	return startFlags(startScript());
}

/** The `NAME=value` settings before `node` in package.json's `start`: the app process's environment. */
export function serverEnv(): Record<string, string> {
	return startEnv(startScript());
}

/** The `--flags` of a `[NAME=value …] node … script` command line. */
export function startFlags(start: string): string[] {
	const { words } = parseStart(start);
	if (words[0] !== 'node' || words.length < 2) throw new Error(`package.json start does not run node: ${start}`);
	const flags = words.slice(1, -1);
	// `--flag=value` only: a value in a word of its own would be lost here.
	if (!flags.every((w) => w.startsWith('--'))) throw new Error(`package.json start: write node flags as --flag=value: ${start}`);
	return flags;
}

/** The `NAME=value` settings of a `[NAME=value …] node … script` command line. */
export function startEnv(start: string): Record<string, string> {
	const { env } = parseStart(start);
	for (const value of Object.values(env)) {
		if (/["'$`\\]/.test(value)) throw new Error(`package.json start: write settings as NAME=value without quotes: ${start}`);
	}
	return env;
}

/** The start flags (and `NAME=value` settings) this process lacks (its own command line, NODE_OPTIONS and environment). */
export function missingServerFlags(): string[] {
	const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
	const flags = serverNodeFlags().filter((flag) => !own.includes(flag));
	const env = Object.entries(serverEnv())
		.filter(([name, value]) => process.env[name] !== value)
		.map(([name, value]) => `${name}=${value}`);
	return [...flags, ...env];
}
