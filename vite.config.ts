import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/** Integration files that use no database (broker, simulator, PDF, uploads, PGlite internals, worker heaps). */
const BACKEND_INDEPENDENT = [
	'tests/integration/broker.test.ts',
	'tests/integration/firmware-sim.test.ts',
	'tests/integration/letter-pdf.test.ts',
	'tests/integration/pglite-private-api.test.ts',
	'tests/integration/uploads.test.ts',
	'tests/integration/worker-heap.test.ts'
];

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		expect: { requireAssertions: true },
		// A stray `.only` would silently skip the rest of a suite: refused everywhere, not
		// only when CI is set.
		allowOnly: false,
		// `npm run coverage` (unit + integration): which lines the real-parts tests reach.
		coverage: {
			provider: 'v8',
			include: ['src/**/*.ts', 'src/**/*.svelte'],
			exclude: ['src/**/*.spec.ts', 'src/**/*.d.ts'],
			reporter: ['text-summary', 'json-summary', 'html'],
			reportsDirectory: 'coverage',
			// Numbers also from a run with a failing test (say, one timed out on a busy machine).
			reportOnFailure: true
		},
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'unit',
					environment: 'node',
					sequence: { groupOrder: 0 },
					include: ['src/**/*.spec.ts', 'scripts/**/*.spec.ts', 'tests/lint/**/*.spec.ts'],
					// Vitest's default is one worker fewer than the cores: one on a 2-core machine.
					maxWorkers: 2
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'integration',
					environment: 'node',
					sequence: { groupOrder: 1 },
					include: ['tests/integration/**/*.test.ts'],
					// The run on PostgreSQL (DATABASE_URL) skips the files that open no database:
					// they would only repeat the PGlite run.
					exclude: process.env.DATABASE_URL ? BACKEND_INDEPENDENT : [],
					globalSetup: ['tests/integration/global-setup.ts'],
					testTimeout: 30_000,
					hookTimeout: 60_000,
					pool: 'forks',
					maxWorkers: 2
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'http',
					environment: 'node',
					sequence: { groupOrder: 2 },
					include: ['tests/http/**/*.test.ts'],
					globalSetup: ['tests/http/global-setup.ts'],
					testTimeout: 30_000,
					hookTimeout: 120_000,
					fileParallelism: false
				}
			}
		]
	}
});
