// `npm start`: builds the app when the build is missing or older than the sources,
// then runs the one Rukun process: HTTP (SvelteKit handler) + MQTT broker + database.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const handlerFile = path.join(root, 'build/handler.js');

function newestMtime(entry) {
	if (!existsSync(entry)) return 0;
	const stat = statSync(entry);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
	return newest;
}

const inputs = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json', 'package-lock.json'];
const isStale = () =>
	!existsSync(handlerFile) || statSync(handlerFile).mtimeMs < Math.max(...inputs.map((p) => newestMtime(path.join(root, p))));

// Two processes started together must not build into the same directory at once:
// the first takes a lock (a directory, atomic to create); the others wait for it.
const lock = path.join(root, '.build-lock');
function withBuildLock(fn) {
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
			if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
			else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
		}
	}
	try {
		return fn();
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

if (isStale()) {
	const status = withBuildLock(() => {
		if (!isStale()) return 0;
		console.log('Building Rukun (first start or sources changed)…');
		const result = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build'], {
			stdio: 'inherit',
			cwd: root
		});
		return result.status ?? 1;
	});
	if (status !== 0) {
		console.error('Build failed; not starting.');
		process.exit(status);
	}
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const server = createServer();
// The init hook finds this server and serves MQTT over WebSocket on it at /mqtt.
globalThis[Symbol.for('rukun.httpServer')] = server;

// Without ORIGIN, adapter-node assumes https; when the app is served directly (no
// proxy), tell it the real scheme of each connection instead, overwriting any
// client-sent value. Behind a proxy, set ORIGIN (or PROTOCOL_HEADER) as documented.
// Spreadsheet imports and attachments are bigger than adapter-node's 512 KB default.
process.env.BODY_SIZE_LIMIT ??= '12M';

const ownProtocolHeader = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
if (ownProtocolHeader) process.env.PROTOCOL_HEADER = 'x-rukun-scheme';

let handler;
try {
	({ handler } = await import(pathToFileURL(handlerFile).href));
} catch (err) {
	console.error('Rukun failed to start:', err instanceof Error ? err.message : err);
	process.exit(1);
}
const runtime = globalThis[Symbol.for('rukun.runtime')];
server.on('request', (req, res) => {
	if (ownProtocolHeader) req.headers['x-rukun-scheme'] = req.socket.encrypted ? 'https' : 'http';
	handler(req, res);
});
server.keepAliveTimeout = 65_000;

await new Promise((resolve, reject) => {
	server.once('error', reject);
	server.listen(port, host, resolve);
});

const actualPort = server.address().port;
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
const web = process.env.ORIGIN ?? `http://${shownHost}:${actualPort}`;
const lines = [
	'',
	'Rukun is running',
	`  Web:         ${web}`,
	...(runtime.broker.mode === 'embedded'
		? [`  MQTT (TCP):  mqtt://${shownHost}:${runtime.broker.tcpPort}`, `  MQTT (WS):   ${web.replace(/^http/, 'ws')}/mqtt`]
		: [`  MQTT:        external broker ${runtime.config.mqttUrl} (shared subscriptions $share/rukun/…)`]),
	`  Database:    ${runtime.db.kind === 'pglite' ? `PGlite in ${path.join(runtime.config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}`,
	`  Health:      ${web}/healthz`
];
if (runtime.demoLogins.length > 0) {
	const password = process.env.DEMO_PASSWORD ? '(DEMO_PASSWORD)' : 'rukun-demo';
	lines.push(`  Demo logins (password ${password}):`);
	for (const login of runtime.demoLogins) {
		lines.push(`    0${login.phone.slice(3)}  ${login.role.padEnd(17)} ${login.name}`);
	}
}
if (runtime.config.mqttAllowAnonymous) lines.push('  WARNING: MQTT_ALLOW_ANONYMOUS is on (development only).');
// Before the banner: a supervisor (or a test) may send SIGTERM as soon as it reads it, and
// a signal without a listener kills the process at once, skipping the clean shutdown.
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
console.log(lines.join('\n'));

let stopping = false;
async function shutdown(signal) {
	if (stopping) return;
	stopping = true;
	console.log(`\n${signal}: shutting down…`);
	const force = setTimeout(() => {
		console.error('Shutdown took longer than 5 s; exiting.');
		process.exit(1);
	}, 5000);
	force.unref();
	server.close();
	server.closeIdleConnections();
	setTimeout(() => server.closeAllConnections(), 1500).unref();
	try {
		await runtime.close();
	} catch (err) {
		console.error('Error while closing:', err);
		process.exitCode = 1;
	}
	process.exit();
}

