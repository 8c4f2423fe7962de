import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import postgres from 'postgres';
import type { Role } from '../../src/lib/domain/roles';
import { serverEnv, serverNodeFlags } from '../../scripts/node-flags';
import { copyDir, scratchDir } from './scratch';

export interface RunningApp {
	url: string;
	mqttPort: number;
	/** The PostgreSQL database this app runs on (null on PGlite). */
	databaseUrl: string | null;
	output: () => string;
	/**
	 * Stops the app (SIGTERM) and removes its data dir, after `keepDataDir` had a chance to copy it;
	 * drops its PostgreSQL database unless `keepDatabase`.
	 */
	stop: (options?: { keepDataDir?: (dir: string) => Promise<void>; keepDatabase?: boolean }) => Promise<number | null>;
	/** The name of this app's own PostgreSQL database (null on PGlite or on another app's database). */
	databaseName: string | null;
	/** Kills the process with `signal` (a crash: SIGKILL) and resolves when it has gone; `stop` then only cleans up. */
	kill: (signal: NodeJS.Signals) => Promise<void>;
}

/** The database the app under test uses: PGlite in its data dir, or (DATABASE_URL) a new PostgreSQL database. */
export const appBackend = (): 'pglite' | 'postgres' => (process.env.DATABASE_URL ? 'postgres' : 'pglite');

/**
 * A new, empty database on the PostgreSQL server of `url` (the app migrates it at start),
 * dropped again by `drop()`.
 */
async function throwawayDatabase(url: string, template: string | null): Promise<{ name: string; url: string; drop: (options?: { keep?: boolean }) => Promise<void> }> {
	const name = `rukun_app_${randomBytes(6).toString('hex')}`;
	const admin = postgres(url, { max: 1, onnotice: () => {} });
	await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`);
	const dbUrl = new URL(url);
	dbUrl.pathname = `/${name}`;
	return {
		name,
		url: dbUrl.toString(),
		async drop({ keep = false } = {}) {
			if (!keep) await admin.unsafe(`drop database if exists ${name} with (force)`);
			await admin.end();
		}
	};
}

/** Drops a database `stop({ keepDatabase })` kept (the HTTP suite's template on PostgreSQL). */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
	const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`drop database if exists ${name} with (force)`);
	} finally {
		await admin.end();
	}
}

/**
 * Where the HTTP suite's global setup leaves a started-once data dir (tests/http/global-setup.ts):
 * PGlite's database with it, or on PostgreSQL the files beside the database (the NIK/KK key, VAPID
 * keys, the demo devices file), whose database is named in APP_PG_TEMPLATE_ENV.
 */
export const APP_TEMPLATE_ENV = 'RUKUN_TEST_APP_TEMPLATE';
/** On PostgreSQL: the started-once database each app's own database is created from (`create database … template`). */
export const APP_PG_TEMPLATE_ENV = 'RUKUN_TEST_APP_PG_TEMPLATE';

/**
 * Starts the built app the way `npm start` does (its Node flags, scripts/start.js) on ephemeral
 * ports with its own data dir, and waits for its banner — no sleeping. With DATABASE_URL set
 * (scripts/with-postgres.sh) each app gets a database of its own on that server, seeded with
 * the demo RW as PGlite is. On PGlite each app starts from a copy of the HTTP suite's
 * started-once data dir when there is one (`fresh: true` for a true first start).
 * `sameDatabaseAs` starts a second instance on another app's
 * database instead (stop it before that app: the first one drops the database).
 */
export async function startApp(env: Record<string, string> = {}, options: { sameDatabaseAs?: RunningApp; fresh?: boolean } = {}): Promise<RunningApp> {
	const dataDir = await scratchDir('rukun-app-');
	const serverUrl = process.env.DATABASE_URL;
	// On PGlite, a data dir the HTTP suite's global setup started once (migrated, demo seeded)
	// spares each file the first start; `fresh` (or a PostgreSQL run) starts from nothing.
	// On PostgreSQL the same from a started-once database and the files that belong to it (its NIK/KK key).
	const template = process.env[APP_TEMPLATE_ENV];
	const shared = options.sameDatabaseAs?.databaseUrl ?? null;
	const pgTemplate = serverUrl && !shared && !options.fresh ? (process.env[APP_PG_TEMPLATE_ENV] ?? null) : null;
	if (template && !serverUrl && !options.fresh && !env.DATA_DIR) await copyDir(template, dataDir);
	if (template && pgTemplate) await copyDir(template, env.DATA_DIR ?? dataDir);
	const database = serverUrl && !shared ? await throwawayDatabase(serverUrl, pgTemplate) : null;
	const databaseUrl = shared ?? database?.url ?? null;
	const child: ChildProcess = spawn(process.execPath, [...serverNodeFlags(), 'scripts/start.js'], {
		env: {
			...process.env,
			...serverEnv(),
			PORT: '0',
			HOST: '127.0.0.1',
			MQTT_PORT: '0',
			MQTT_HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			...(databaseUrl ? { DATABASE_URL: databaseUrl, SEED_DEMO: shared ? '0' : '1' } : {}),
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	const ready = new Promise<{ url: string; mqttPort: number }>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			out += chunk.toString();
			const web = /Web:\s+(http:\/\/\S+)/.exec(out);
			const mqtt = /MQTT \(TCP\):\s+mqtt:\/\/\S+:(\d+)/.exec(out);
			if (web && mqtt && out.includes('Health:')) resolve({ url: web[1]!.replace('localhost', '127.0.0.1'), mqttPort: Number(mqtt[1]) });
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.once('exit', (code) => reject(new Error(`app exited with ${code} before it was ready:\n${out}`)));
	});
	const started = await ready.catch(async (err: unknown) => {
		await database?.drop();
		throw err;
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		...started,
		databaseUrl,
		databaseName: database?.name ?? null,
		output: () => out,
		async kill(signal) {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			await exited;
		},
		async stop(stopOptions = {}) {
			if (child.exitCode === null) child.kill('SIGTERM');
			const code = await exited;
			await stopOptions.keepDataDir?.(dataDir);
			await rm(dataDir, { recursive: true, force: true });
			await database?.drop({ keep: stopOptions.keepDatabase ?? false });
			return code;
		}
	};
}

/** A minimal cookie-keeping HTTP client for one user against the app. */
export class Browserless {
	cookies = new Map<string, string>();
	constructor(readonly base: string) {}

	private cookieHeader() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	private keep(response: Response) {
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const [name, ...rest] = pair!.split('=');
			const value = rest.join('=');
			if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name!.trim());
			else this.cookies.set(name!.trim(), value);
		}
		return response;
	}

	async get(pathname: string, headers: Record<string, string> = {}) {
		return this.keep(await fetch(this.base + pathname, { redirect: 'manual', headers: { accept: 'text/html', cookie: this.cookieHeader(), ...headers } }));
	}

	/** A form POST as a browser sends it (same-origin Origin header unless overridden). */
	async post(pathname: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
		return this.keep(
			await fetch(this.base + pathname, {
				method: 'POST',
				redirect: 'manual',
				body: new URLSearchParams(fields),
				headers: {
					cookie: this.cookieHeader(),
					accept: 'text/html',
					origin: this.base,
					'content-type': 'application/x-www-form-urlencoded',
					...headers
				}
			})
		);
	}

	/** A multipart form POST (file uploads), same-origin. */
	async postForm(pathname: string, body: FormData) {
		return this.keep(
			await fetch(this.base + pathname, {
				method: 'POST',
				redirect: 'manual',
				body,
				headers: { cookie: this.cookieHeader(), origin: this.base, accept: 'text/html' }
			})
		);
	}

	async login(phone: string, password: string) {
		const response = await this.post('/login', { phone, password });
		if (response.status !== 303) throw new Error(`login failed for ${phone}: ${response.status}`);
		return response;
	}
}

/** The phone of each role's demo user (README, "Roles and demo logins"). */
export const DEMO_PHONES: Readonly<Record<Role, string>> = {
	resident: '081200000001',
	rt_head: '081200000002',
	rw_admin: '081200000003',
	treasurer: '081200000004',
	security_officer: '081200000005'
};

/** The demo password every seeded demo user has (README, "Roles and demo logins"). */
export const DEMO_PASSWORD = 'rukun-demo';

/** A client logged in as one of the demo users (by phone) on a running app. */
export async function demoSession(app: RunningApp, phone: string): Promise<Browserless> {
	const client = new Browserless(app.url);
	await client.login(phone, DEMO_PASSWORD);
	return client;
}

/** Clients logged in as the demo users of the given roles, by role. */
export async function demoSessions<R extends Role>(app: RunningApp, roles: readonly R[]): Promise<Record<R, Browserless>> {
	const clients = await Promise.all(roles.map((role) => demoSession(app, DEMO_PHONES[role])));
	return Object.fromEntries(roles.map((role, i) => [role, clients[i]!])) as Record<R, Browserless>;
}
