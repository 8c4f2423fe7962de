import { defineConfig } from '@playwright/test';
import { serverEnv, serverNodeFlags } from './scripts/node-flags';

// The built app (scripts/start.js, with the Node flags of npm start) on its own port and a throw-away data dir, in
// Debian's Chromium (never Playwright's own browser download: there is no download host here).
const port = Number(process.env.E2E_PORT ?? 4317);
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/rukun-e2e-${port}`;

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// A stray `test.only` would silently skip every other journey.
	forbidOnly: true,
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 30_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${port}`,
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
	webServer: {
		command: `rm -rf ${dataDir} && node ${serverNodeFlags().join(' ')} scripts/start.js`,
		url: `http://127.0.0.1:${port}/healthz`,
		reuseExistingServer: false,
		timeout: 120_000,
		env: { ...serverEnv(), PORT: String(port), HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', DATA_DIR: dataDir },
		stdout: 'ignore',
		stderr: 'pipe'
	}
});
