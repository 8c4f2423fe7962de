// Command-line values of the benchmarks.

/** `raw` as a whole number in min..max, or the usage error and exit code 2. */
export function wholeNumber(name: string, raw: string, min: number, max: number): number {
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min || n > max) {
		console.error(`--${name} must be a whole number ${min}..${max}`);
		process.exit(2);
	}
	return n;
}
