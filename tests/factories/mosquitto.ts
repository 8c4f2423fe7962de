import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { writeMosquittoFiles } from '../../src/lib/server/devices/mosquitto-files';
import type { AclDevice } from '../../src/lib/server/devices/mosquitto';

/** Debian's Mosquitto (scripts/test.sh installs it). */
export const MOSQUITTO = '/usr/sbin/mosquitto';
export const APP_PASSWORD = 'app-secret-for-tests';

export const freePort = () =>
	new Promise<number>((resolve) => {
		const s = createServer().listen(0, '127.0.0.1', () => {
			const p = (s.address() as { port: number }).port;
			s.close(() => resolve(p));
		});
	});

export interface TestMosquitto {
	port: number;
	dir: string;
	process: ChildProcess;
	/** Everything Mosquitto logged so far. */
	log(): string;
	stop(): Promise<void>;
}

/**
 * Mosquitto with the config `npm run mosquitto:config` generates (writeMosquittoFiles),
 * on a free loopback port, started as the user running the tests: as root it drops to
 * user `mosquitto` like Debian's service. Resolves once it is running.
 */
export async function startMosquitto(devices: AclDevice[], appUsers: string[], options: { port?: number } = {}): Promise<TestMosquitto> {
	if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} is missing: scripts/test.sh installs it (scripts/ensure-apt.sh)`);
	const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-mosq-'));
	const port = options.port ?? (await freePort());
	await writeMosquittoFiles({ out: dir, port, host: '127.0.0.1', devices, appUsers, appPassword: APP_PASSWORD, extra: ['log_dest stderr', 'log_type all'] });
	const child = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
	let out = '';
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	await new Promise<void>((resolve, reject) => {
		// stderr is unbuffered: the "running" line arrives when it happens.
		child.stderr!.on('data', (d: Buffer) => {
			out += d.toString();
			if (/mosquitto version [\d.]+ running/.test(out)) resolve();
		});
		child.once('exit', (code) => reject(new Error(`mosquitto exited ${code}: ${out}`)));
	});
	return {
		port,
		dir,
		process: child,
		log: () => out,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				await exited;
			}
			await rm(dir, { recursive: true, force: true });
		}
	};
}

/** The real uid a process runs as (from /proc). */
export function processUid(pid: number): number {
	const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
	return Number(line.split(/\s+/)[1]);
}
