import { spawn } from 'node:child_process';

/**
 * A throw-away PostgreSQL for a journey that must write rows while the app runs (PGlite
 * belongs to the app's process): scripts/with-postgres.sh around a process that prints
 * the URL and waits; closing its stdin ends it, and the script tears the server down.
 */
export async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
	const waiter = 'console.log("DATABASE_URL=" + process.env.DATABASE_URL); process.stdin.resume(); process.stdin.on("end", () => process.exit(0));';
	// Without FORCE_COLOR (Playwright sets it), so no colour codes reach the printed URL.
	const env = { ...process.env };
	delete env.FORCE_COLOR;
	const child = spawn('bash', ['scripts/with-postgres.sh', process.execPath, '-e', waiter], { stdio: ['pipe', 'pipe', 'pipe'], env });
	let out = '';
	const url = await new Promise<string>((resolve, reject) => {
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const match = /DATABASE_URL=(\S+)/.exec(out);
			if (match) resolve(match[1]!);
		});
		child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (${code}):\n${out}`)));
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	return {
		url,
		async stop() {
			child.stdin.end();
			await exited;
		}
	};
}
