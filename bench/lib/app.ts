// Starts the built app as `npm start` does (node, its flags, scripts/start.js) in its own process,
// waits for its banner (no sleeping), logs a user in and stops it again.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serverEnv, serverNodeFlags } from '../../scripts/node-flags';
import { run } from './proc';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Settings that must not leak from the caller's shell into a benchmark instance. */
const STRIPPED_ENV = ['DATABASE_URL', 'SEED_DEMO', 'ORIGIN', 'PROTOCOL_HEADER', 'HOST_HEADER', 'ADDRESS_HEADER', 'XFF_DEPTH', 'MQTT_URL', 'PORT', 'HOST', 'MQTT_PORT', 'MQTT_HOST', 'DATA_DIR'];

/** The caller's environment without app settings, plus `extra`. */
export function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const name of STRIPPED_ENV) delete env[name];
	return { ...env, ...extra };
}

/** Builds once when build/handler.js is missing (start.js rebuilds stale builds itself). */
export async function ensureBuild(): Promise<void> {
	if (existsSync(path.join(ROOT, 'build/handler.js'))) return;
	console.log('build/handler.js is missing: running `npx vite build` once…');
	const result = await run('npx', ['vite', 'build'], { cwd: ROOT, timeoutMs: 600_000 });
	if (result.code !== 0) throw new Error(`vite build failed (${result.code}):\n${result.stdout}${result.stderr}`);
}

/** `env` without the settings of `npm start` that `startEnv` leaves out (the caller's shell may have them). */
function withoutOtherStartEnv(env: NodeJS.ProcessEnv, startEnv: Record<string, string>): NodeJS.ProcessEnv {
	for (const name of Object.keys(serverEnv())) if (!(name in startEnv)) delete env[name];
	return env;
}

export interface BenchApp {
	url: string;
	pid: number;
	output: () => string;
	/** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). Resolves to the exit code. */
	stop: (graceMs?: number) => Promise<number | null>;
}

/**
 * `node <start flags> scripts/start.js` with the environment of `npm start` (`startEnv`) and `PORT=0 HOST=127.0.0.1 MQTT_PORT=0 MQTT_HOST=127.0.0.1`
 * plus `env`; resolves when the banner shows `Web:` and `Health:`. Rejects when the
 * process exits first or the banner does not come within `timeoutMs` (a stale build
 * is rebuilt by start.js first, hence the generous default). `extraNodeFlags` (e.g.
 * `--cpu-prof`) come after the start flags; `startFlags` and `startEnv` replace those of
 * `npm start` (bench:memory compares the app without them).
 */
export function startApp(
	env: Record<string, string>,
	timeoutMs = 300_000,
	extraNodeFlags: string[] = [],
	startFlags: string[] = serverNodeFlags(),
	startEnv: Record<string, string> = serverEnv()
): Promise<BenchApp> {
	const child = spawn(process.execPath, [...startFlags, ...extraNodeFlags, 'scripts/start.js'], {
		cwd: ROOT,
		env: withoutOtherStartEnv(appEnv({ ...startEnv, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', ...env }), startEnv),
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const stop = async (graceMs = 10_000): Promise<number | null> => {
		if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
		const code = await exited;
		clearTimeout(timer);
		return code;
	};
	return new Promise<BenchApp>((resolve, reject) => {
		let building = false;
		const timer = setTimeout(() => {
			void stop(2000);
			reject(new Error(`the app did not print its banner within ${timeoutMs / 1000} s:\n${out}`));
		}, timeoutMs);
		const onExit = (code: number | null) => {
			clearTimeout(timer);
			reject(new Error(`the app exited with ${code} before it was ready:\n${out}`));
		};
		child.once('exit', onExit);
		child.once('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			if (!building && out.includes('Building Rukun')) {
				building = true;
				console.log('  (the build is older than the sources: scripts/start.js rebuilds first)');
			}
			const web = /Web:\s+(http:\/\/\S+)/.exec(out);
			if (web && /Health:\s+\S+/.test(out)) {
				clearTimeout(timer);
				child.off('exit', onExit);
				resolve({ url: web[1]!.replace('localhost', '127.0.0.1'), pid: child.pid!, output: () => out, stop });
			}
		});
		child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
	});
}

/**
 * Logs in through the login form as a browser does (same-origin `Origin`,
 * `accept: text/html`); expects 303 and returns the `name=value` session cookie.
 */
export async function login(base: string, phone: string, password: string, cookieName = 'rukun_session'): Promise<string> {
	const response = await fetch(`${base}/login`, {
		method: 'POST',
		redirect: 'manual',
		body: new URLSearchParams({ phone, password }),
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		signal: AbortSignal.timeout(30_000)
	});
	await response.arrayBuffer();
	if (response.status !== 303) throw new Error(`login as ${phone} answered ${response.status}, expected 303`);
	for (const line of response.headers.getSetCookie()) {
		const pair = line.split(';')[0]!;
		const eq = pair.indexOf('=');
		if (pair.slice(0, eq).trim() === cookieName && pair.slice(eq + 1) !== '') return pair.trim();
	}
	throw new Error(`login as ${phone} set no ${cookieName} cookie`);
}

/** One GET with the benchmark's headers; returns the status (redirects are not followed). */
export async function probe(base: string, route: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<number> {
	const response = await fetch(base + route, { redirect: 'manual', headers, signal: AbortSignal.timeout(timeoutMs) });
	await response.arrayBuffer();
	return response.status;
}
