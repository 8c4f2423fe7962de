import { defineConfig } from '@playwright/test';
import { serverEnv, serverNodeFlags } from './scripts/node-flags';

// The built app (scripts/start.js, with the Node flags of npm start) on its own port and a throw-away data dir, in
// Debian's Chromium (never Playwright's own browser download: there is no download host here).
//
// Two apps, E2E_PORT and the port after it, each with its own data dir, and the journeys split
// between them: each half runs one file at a time against its own app (as all of them did against
// one app before), the two halves side by side. A journey mostly waits (on the browser, the app, a
// simulated device), so two of them fill the two cores about twice as well as one; no journey
// shares an app with one running at the same time. A file not named in FIRST_HALF runs in the second.
const port = Number(process.env.E2E_PORT ?? 4317);
const FIRST_HALF = ['security', 'registry', 'dues', 'pumps', 'complaints'].map((name) => `**/${name}.e2e.ts`);

/** The data dir of the app on port `p`: pumps.e2e.ts reads the demo's device file there (project metadata). */
const dataDirOf = (p: number) => (process.env.E2E_DATA_DIR ? `${process.env.E2E_DATA_DIR}-${p}` : `/tmp/rukun-e2e-${p}`);
const halves = [
	{ name: 'first', port, testMatch: FIRST_HALF },
	{ name: 'second', port: port + 1, testIgnore: FIRST_HALF }
];

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// A stray `test.only` would silently skip every other journey.
	forbidOnly: true,
	fullyParallel: false,
	workers: halves.length,
	retries: 0,
	timeout: 30_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	use: {
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--disable-quic',
				'--no-first-run'
			]
		},
		trace: 'off'
	},
	projects: halves.map((half) => ({
		name: half.name,
		// One file at a time per app: the journeys of a half share its app's demo data.
		workers: 1,
		...(half.testMatch ? { testMatch: half.testMatch } : { testIgnore: half.testIgnore }),
		metadata: { dataDir: dataDirOf(half.port) },
		use: { baseURL: `http://127.0.0.1:${half.port}` }
	})),
	webServer: halves.map((half) => ({
		command: `rm -rf ${dataDirOf(half.port)} && node ${serverNodeFlags().join(' ')} scripts/start.js`,
		url: `http://127.0.0.1:${half.port}/healthz`,
		reuseExistingServer: false,
		timeout: 120_000,
		env: { ...serverEnv(), PORT: String(half.port), HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', DATA_DIR: dataDirOf(half.port) },
		stdout: 'ignore' as const,
		stderr: 'pipe' as const
	}))
});
