import { defineConfig } from '@playwright/test';
import { serverEnv, serverNodeFlags } from './scripts/node-flags';
import { APP_TEMPLATE_ENV } from './tests/factories/app';

// The built app (scripts/start.js, with the Node flags of npm start) on its own port and a throw-away data dir, in
// Debian's Chromium (never Playwright's own browser download: there is no download host here).
//
// Three apps, E2E_PORT and the two ports after it, each with its own data dir, and the journeys
// split between them: each group runs one file at a time against its own app (as all of them did
// against one app before), the groups side by side. A journey mostly waits (on the browser, the app,
// a simulated device: with two groups the whole run used ~185 s of CPU in 4–6 minutes, well under one
// core of the two), so three of them fill the cores better; four timed out on a loaded machine. No
// journey shares an app with one running at the same time. The groups are balanced by the journeys'
// times (about two minutes each on a quiet machine); a file named in no group runs in the last one.
const port = Number(process.env.E2E_PORT ?? 4317);
const GROUPS = [
	['foundation', 'letters', 'phone'],
	['security', 'dues', 'panic', 'push'],
	['registry', 'devices', 'pumps', 'complaints']
];
const named = GROUPS.slice(0, -1).flat().map((name) => `**/${name}.e2e.ts`);

/** The data dir of the app on port `p`: pumps.e2e.ts reads the demo's device file there (project metadata). */
const dataDirOf = (p: number) => (process.env.E2E_DATA_DIR ? `${process.env.E2E_DATA_DIR}-${p}` : `/tmp/rukun-e2e-${p}`);
/**
 * Under `npm test`, a data dir the HTTP suite's app started once (migrations, demo seed: tests/http/global-setup.ts):
 * each app here starts on a copy of it, as after a restart, instead of making a first start of its own. Run alone,
 * the apps make a true first start.
 */
const template = process.env[APP_TEMPLATE_ENV];
const groups = GROUPS.map((names, i) => ({
	name: `group${i + 1}`,
	port: port + i,
	// The last group: every file not named in an earlier one.
	files: i < GROUPS.length - 1 ? { testMatch: names.map((name) => `**/${name}.e2e.ts`) } : { testIgnore: named }
}));

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// A stray `test.only` would silently skip every other journey.
	forbidOnly: true,
	fullyParallel: false,
	workers: groups.length,
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
	projects: groups.map((group) => ({
		name: group.name,
		// One file at a time per app: the journeys of a group share its app's demo data.
		workers: 1,
		...group.files,
		metadata: { dataDir: dataDirOf(group.port) },
		use: { baseURL: `http://127.0.0.1:${group.port}` }
	})),
	webServer: groups.map((group) => ({
		command: `rm -rf ${dataDirOf(group.port)} && ${template ? `cp -RT ${template} ${dataDirOf(group.port)} && ` : ''}node ${serverNodeFlags().join(' ')} scripts/start.js`,
		url: `http://127.0.0.1:${group.port}/healthz`,
		reuseExistingServer: false,
		timeout: 120_000,
		env: { ...serverEnv(), PORT: String(group.port), HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', DATA_DIR: dataDirOf(group.port) },
		stdout: 'ignore' as const,
		stderr: 'pipe' as const
	}))
});
