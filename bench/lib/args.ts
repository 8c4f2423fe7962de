// Command-line values of the benchmarks: one parser for every entry point (bench/README.md).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface BenchArgs<V> {
	/** The options as `node:util` parseArgs gives them. */
	values: V;
	/** The string option `name` as a whole number in min..max, or the usage error. */
	int(name: string, min: number, max: number): number;
	/** The string option `name` as a finite number in min..max, or the usage error. */
	float(name: string, min: number, max: number): number;
	/** Ends the run: `message`, then the usage text, on stderr; exit code 2. */
	fail(message: string): never;
}

/**
 * Parses a benchmark's command line (`config`: what `node:util` parseArgs takes, strict).
 * `--help` (`-h`) prints `usage` and exits 0; an unknown option, a missing value or a bad
 * number prints what is wrong and `usage` to stderr and exits 2, before anything starts.
 */
export function benchArgs<const T extends ParseArgsConfig>(usage: string, config: T, args = process.argv.slice(2)): BenchArgs<ReturnType<typeof parseArgs<T>>['values']> {
	const text = usage.trimEnd();
	const fail = (message: string): never => {
		console.error(`${message}\n${text}`);
		process.exit(2);
	};
	if (args.includes('--help') || args.includes('-h')) {
		console.log(text);
		process.exit(0);
	}
	let values!: ReturnType<typeof parseArgs<T>>['values'];
	try {
		({ values } = parseArgs({ ...config, args }));
	} catch (err) {
		fail(err instanceof Error ? err.message : String(err));
	}
	const number = (name: string, min: number, max: number, whole: boolean) => {
		const raw = (values as Record<string, unknown>)[name];
		if (typeof raw !== 'string') return fail(`--${name} is required`);
		const n = raw.trim() === '' ? NaN : Number(raw);
		const kind = whole ? 'a whole number' : 'a number';
		if (!(whole ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) fail(`--${name} must be ${kind} ${min}..${max} (got "${raw}")`);
		return n;
	};
	return {
		values,
		int: (name, min, max) => number(name, min, max, true),
		float: (name, min, max) => number(name, min, max, false),
		fail
	};
}
