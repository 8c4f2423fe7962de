// Process helpers for the benchmarks: run a command with a time limit, and read the
// CPU time of a process (and its direct children) from /proc.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RunResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs a command to completion, collecting its output. Kills it (SIGKILL) and rejects
 * when it takes longer than `timeoutMs`. Never rejects on a non-zero exit: check `code`.
 */
export function run(
	command: string,
	args: readonly string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; echo?: boolean }
): Promise<RunResult> {
	return new Promise((resolve, reject) => {
		const spawnOptions: SpawnOptions = { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] };
		const child = spawn(command, [...args], spawnOptions);
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			if (options.echo) process.stdout.write(chunk);
		});
		child.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
			if (options.echo) process.stderr.write(chunk);
		});
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${command} ${args.join(' ')} took longer than ${options.timeoutMs / 1000} s; killed.\n${stdout}${stderr}`));
		}, options.timeoutMs);
		child.once('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
	});
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (usually 100). */
export function clockTicks(): number {
	if (ticksPerSecond === undefined) {
		const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
		const n = Number(result.stdout?.trim());
		ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
	}
	return ticksPerSecond;
}

interface Stat {
	ppid: number;
	cpuSeconds: number;
}

function readStat(pid: number): Stat | null {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return null;
	}
	// "pid (comm) state ppid … utime stime …": comm may contain spaces and parentheses.
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	// After the comm: [0] state (field 3), [1] ppid (4), [11] utime (14), [12] stime (15).
	const ppid = Number(fields[1]);
	const ticks = Number(fields[11]) + Number(fields[12]);
	if (!Number.isFinite(ppid) || !Number.isFinite(ticks)) return null;
	return { ppid, cpuSeconds: ticks / clockTicks() };
}

/** User + system CPU seconds of one process, or null when it cannot be read. */
export function processCpuSeconds(pid: number): number | null {
	return readStat(pid)?.cpuSeconds ?? null;
}

/**
 * CPU seconds per process for `rootPid` and its direct children (e.g. a postmaster and
 * its backends). Children that exit between two samples drop out of the sum.
 */
export function treeCpuSeconds(rootPid: number): Map<number, number> {
	const out = new Map<number, number>();
	const root = readStat(rootPid);
	if (!root) return out;
	out.set(rootPid, root.cpuSeconds);
	let entries: string[] = [];
	try {
		entries = readdirSync('/proc');
	} catch {
		return out;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = readStat(Number(entry));
		if (stat && stat.ppid === rootPid) out.set(Number(entry), stat.cpuSeconds);
	}
	return out;
}

/** CPU seconds spent by a process tree between two `treeCpuSeconds` samples. */
export function treeCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
	let total = 0;
	for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
	return total;
}

/** CPU seconds all processes on the machine spent busy so far (from /proc/stat), or null. */
export function machineBusySeconds(): number | null {
	let line: string | undefined;
	try {
		line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
	} catch {
		return null;
	}
	if (!line?.startsWith('cpu ')) return null;
	// user nice system idle iowait irq softirq steal (guest time is already in user).
	const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
	const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
	return Number.isFinite(busy) ? busy / clockTicks() : null;
}

/** A process's resident set size in MB (VmRSS in /proc/<pid>/status), or null when it cannot be read. */
export function processRssMb(pid: number): number | null {
	try {
		const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) / 1024 : null;
	} catch {
		return null;
	}
}
