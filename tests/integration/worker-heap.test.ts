import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../../scripts/node-flags';
import { freshDatabase } from '../factories/db';

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

// PGlite's worker allocates a protocol message per statement and a COPY per batch of
// readings; with V8's default heap limit (a quarter of the machine's memory, up to
// 4 GB) V8 lets that garbage grow to four times the live heap before collecting it
// (bench:memory: 120–130 MB in that worker). A lower limit lowers that factor, and its
// young generation is smaller than the other workers' (src/lib/server/db/pglite-thread.ts).
// PostgreSQL's buffer pool lives in PGlite's WASM memory, which never shrinks, so it
// starts small (src/lib/server/db/pglite.ts).
describe("PGlite's worker", () => {
	it('runs with a bounded old generation, a small young generation and a small buffer pool', async () => {
		const started: Worker[] = [];
		const onWorker = (worker: Worker) => started.push(worker);
		process.on('worker', onWorker);
		const db = await freshDatabase().finally(() => process.off('worker', onWorker));
		try {
			expect(started).toHaveLength(1);
			const limits = started[0]!.resourceLimits!;
			expect(limits.maxOldGenerationSizeMb).toBeGreaterThanOrEqual(256);
			expect(limits.maxOldGenerationSizeMb).toBeLessThanOrEqual(1024);
			expect(limits.maxYoungGenerationSizeMb).toBeLessThanOrEqual(8);
			expect(await db.query<{ shared_buffers: string }>('show shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
		} finally {
			await db.close();
		}
	});
});
