import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../../scripts/node-flags';

// The app's node flags give the main thread a large young generation (ingest
// throughput); the worker threads must not inherit it (bench:memory: 430 MB instead
// of under 300 with 200 sensors reporting). Measured in a process of its own started
// with exactly the flags of `npm start`.
describe('worker heaps', () => {
	it("keep a small young generation while the main thread has npm start's", async () => {
		const flags = serverNodeFlags();
		expect(flags.some((f) => f.startsWith('--max-semi-space-size='))).toBe(true);
		const fixture = path.join(import.meta.dirname, 'fixtures/young-generation-worker.ts');
		const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--import', 'tsx', fixture], { timeout: 60_000 });
		const sizes = JSON.parse(stdout.trim().split('\n').pop()!) as { main: number; worker: number };
		expect(sizes.main).toBeGreaterThan(32);
		expect(sizes.worker).toBeLessThanOrEqual(16);
	});
});
