// A throw-away real PostgreSQL, as scripts/with-postgres.sh makes one: the Debian
// package (installed when missing, via scripts/ensure-apt.sh), initdb in a temp dir
// (as user `postgres` through runuser when we are root), pg_ctl start on a free
// loopback port, and stop + delete afterwards.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from './app';
import { run } from './proc';

export interface ThrowawayPostgres {
	url: string;
	version: string;
	/** The postmaster's pid (from postmaster.pid), for CPU accounting. */
	pid: number | null;
	stop: () => Promise<void>;
}

/** Thrown when PostgreSQL cannot be had on this machine (not installed, not root…). */
export class PostgresUnavailable extends Error {}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

function postgresBinDir(): string | null {
	const base = '/usr/lib/postgresql';
	if (!existsSync(base)) return null;
	const versions = readdirSync(base)
		.filter((v) => existsSync(path.join(base, v, 'bin/postgres')))
		.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
	const newest = versions.at(-1);
	return newest ? path.join(base, newest, 'bin') : null;
}

/**
 * `settings`: more `-c name=value` server settings (e.g. shared_preload_libraries=pg_stat_statements).
 * `durable`: fsync on, as a deployment runs (synchronous_commit stays at its default,
 * on); without it fsync is off (a throw-away server: nothing survives it anyway).
 */
export async function startPostgres(settings: string[] = [], options: { durable?: boolean } = {}): Promise<ThrowawayPostgres> {
	if (!postgresBinDir()) {
		const ensure = await run('bash', [path.join(ROOT, 'scripts/ensure-apt.sh'), '/usr/lib/postgresql/*/bin/postgres', 'postgresql'], {
			timeoutMs: 300_000
		});
		if (ensure.code !== 0) throw new PostgresUnavailable(`PostgreSQL is not installed and could not be installed: ${(ensure.stderr || ensure.stdout).trim()}`);
	}
	const bin = postgresBinDir();
	if (!bin) throw new PostgresUnavailable('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres is missing)');

	const dir = await mkdtemp('/tmp/rukun-pg.');
	const asRoot = process.getuid?.() === 0;
	// initdb refuses to run as root.
	const asPg = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args], { timeoutMs: 120_000 }) : run(command, args, { timeoutMs: 120_000 }));
	const pgCtl = path.join(bin, 'pg_ctl');
	let started = false;
	const stop = async () => {
		if (started) await asPg(pgCtl, ['-D', `${dir}/data`, 'stop', '-m', 'fast']).catch(() => undefined);
		started = false;
		await rm(dir, { recursive: true, force: true });
	};
	try {
		if (asRoot) {
			const chown = await run('chown', ['postgres:postgres', dir], { timeoutMs: 10_000 });
			if (chown.code !== 0) throw new PostgresUnavailable(`cannot hand ${dir} to user postgres: ${chown.stderr.trim()}`);
		}
		const init = await asPg(path.join(bin, 'initdb'), ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres']);
		if (init.code !== 0) throw new PostgresUnavailable(`initdb failed: ${(init.stderr || init.stdout).trim()}`);
		// In postgresql.conf, not on the command line (which would outrank ALTER SYSTEM): a
		// benchmark may switch it while the server runs (fsync is reloadable).
		appendFileSync(`${dir}/data/postgresql.conf`, `\nfsync = ${options.durable ? 'on' : 'off'}\n`);
		const port = await freePort();
		started = true;
		const start = await asPg(pgCtl, [
			'-D',
			`${dir}/data`,
			'-l',
			`${dir}/log`,
			'-w',
			'-o',
			`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${settings.map((s) => ` -c ${s}`).join('')}`,
			'start'
		]);
		if (start.code !== 0) {
			let log = '';
			try {
				log = readFileSync(`${dir}/log`, 'utf8');
			} catch {
				/* no log */
			}
			throw new PostgresUnavailable(`pg_ctl start failed: ${(start.stderr || start.stdout).trim()}\n${log}`);
		}
		const version = (await run(path.join(bin, 'postgres'), ['--version'], { timeoutMs: 10_000 })).stdout.trim().split(/\s+/)[2] ?? '?';
		let pid: number | null = null;
		try {
			pid = Number(readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0]) || null;
		} catch {
			pid = null;
		}
		return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, version, pid, stop };
	} catch (err) {
		await stop();
		throw err;
	}
}
