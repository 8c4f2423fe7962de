import { describe, expect, it } from 'vitest';
import { serverNodeFlags, startFlags } from './node-flags';

describe('startFlags', () => {
	it('takes the flags between node and the script', () => {
		expect(startFlags('node --max-semi-space-size=64 scripts/start.js')).toEqual(['--max-semi-space-size=64']);
		expect(startFlags('node scripts/start.js')).toEqual([]);
	});

	it('refuses a start that is not node, or a flag whose value stands in a word of its own', () => {
		expect(() => startFlags('tsx scripts/start.js')).toThrow(/does not run node/);
		expect(() => startFlags('node')).toThrow(/does not run node/);
		expect(() => startFlags('node --max-old-space-size 4096 scripts/start.js')).toThrow(/--flag=value/);
	});

	it('reads the flags of package.json', () => {
		expect(serverNodeFlags()).toContain('--max-semi-space-size=32');
	});
});
