import { describe, expect, it } from 'vitest';
import { serverEnv, serverNodeFlags, startEnv, startFlags } from './node-flags';

describe('startFlags', () => {
	it('takes the flags between node and the script', () => {
		expect(startFlags('node --max-semi-space-size=64 scripts/start.js')).toEqual(['--max-semi-space-size=64']);
		expect(startFlags('node scripts/start.js')).toEqual([]);
		expect(startFlags('A_B=1 C=x node --max-semi-space-size=64 scripts/start.js')).toEqual(['--max-semi-space-size=64']);
	});

	it('refuses a start that is not node, or a flag whose value stands in a word of its own', () => {
		expect(() => startFlags('tsx scripts/start.js')).toThrow(/does not run node/);
		expect(() => startFlags('node')).toThrow(/does not run node/);
		expect(() => startFlags('A=1 node')).toThrow(/does not run node/);
		expect(() => startFlags('node --max-old-space-size 4096 scripts/start.js')).toThrow(/--flag=value/);
	});

	it('reads the flags of package.json', () => {
		expect(serverNodeFlags()).toContain('--max-semi-space-size=32');
	});
});

describe('startEnv', () => {
	it('takes the NAME=value settings before node', () => {
		expect(startEnv('MALLOC_TRIM_THRESHOLD_=131072 X=y node --a=1 scripts/start.js')).toEqual({ MALLOC_TRIM_THRESHOLD_: '131072', X: 'y' });
		expect(startEnv('node --a=1 scripts/start.js')).toEqual({});
		// After node, a NAME=value word is not the process's environment.
		expect(startEnv('node --a=1 X=y')).toEqual({});
	});

	it('refuses quoted or expanded values (the shell would change them)', () => {
		expect(() => startEnv('X="a b" node scripts/start.js')).toThrow(/without quotes/);
		expect(() => startEnv('X=$HOME node scripts/start.js')).toThrow(/without quotes/);
	});

	// glibc otherwise lets each V8 background thread's malloc arena keep what compiling
	// PGlite's WASM freed (45–70 MB of RSS; bench/README.md, memory).
	it("fixes glibc's malloc trim threshold in npm start's environment", () => {
		expect(serverEnv()).toEqual(expect.objectContaining({ MALLOC_TRIM_THRESHOLD_: '131072' }));
	});
});
