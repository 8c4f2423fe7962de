// One measured load phase: fork the generator processes, connect every publisher,
// start the load, open the measured window after a warm-up, close it after the
// duration, drain, and collect generator and server-side figures.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromGenerator, GeneratorResult, LoadMode, ToGenerator } from './protocol';
import { machineBusySeconds, mergeSorted, percentile } from './stats';
import { HOST, ROOT, type ServerSample, type Target } from './targets';

const GENERATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generator.ts');

export interface PhaseOptions {
	target: Target;
	publishers: number;
	window: number;
	generators: number;
	mode: LoadMode;
	warmupMs: number;
	durationMs: number;
	/** 12-digit first seq; phases that share a database need distinct ranges. */
	seqBase: number;
	/** Called as the measured window opens and closes (profiler, write log). */
	onMark?: () => void | Promise<void>;
	onStop?: () => void | Promise<void>;
}

export interface PhaseResult {
	target: string;
	mode: LoadMode;
	windowS: number;
	/** PUBACKs per second in the measured window (generator side). */
	ackedPerS: number;
	sentPerS: number;
	/** Generator CPU in the window, % of one core: all generators, and the busiest one. */
	generatorCpuPct: number;
	generatorCpuPctMax: number;
	/** Broker process CPU in the window, % of one core (this process for aedes). */
	serverCpuPct: number | null;
	/** Whole machine busy in the window, % of all cores. */
	machineBusyPct: number | null;
	/** CPU of everything else on the machine in the window (not broker, generators, this process), % of one core. */
	otherCpuPct: number | null;
	latency: { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null };
	totalSent: number;
	totalAcked: number;
	unacked: number;
	skippedSends: number;
	connectionsLost: number;
	errors: string[];
	server: { before: ServerSample; after: ServerSample };
	/** The slowest 1 % of the window's readings, per generator (waterfall.ts). */
	slowest: GeneratorResult['slowest'];
}

class GeneratorProcess {
	readonly child: ChildProcess;
	private inbox: FromGenerator[] = [];
	private waiter: (() => void) | null = null;
	private exitError: Error | null = null;
	readonly exited: Promise<void>;

	constructor() {
		this.child = fork(GENERATOR, [], {
			cwd: ROOT,
			execArgv: ['--import', 'tsx'],
			serialization: 'advanced',
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		});
		this.child.on('message', (message: FromGenerator) => {
			this.inbox.push(message);
			this.waiter?.();
		});
		this.exited = new Promise((resolve) => {
			this.child.once('exit', (code, signal) => {
				this.exitError = new Error(`generator exited (${code ?? signal})`);
				this.waiter?.();
				resolve();
			});
		});
	}

	send(message: ToGenerator): void {
		this.child.send(message);
	}

	/** The next message of that type; rejects on a fatal message, an exit or the timeout. */
	async next<K extends FromGenerator['type']>(type: K, timeoutMs: number): Promise<Extract<FromGenerator, { type: K }>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const index = this.inbox.findIndex((m) => m.type === type || m.type === 'fatal');
			if (index >= 0) {
				const [message] = this.inbox.splice(index, 1);
				if (message!.type === 'fatal') throw new Error(`generator failed: ${message!.error}`);
				return message as Extract<FromGenerator, { type: K }>;
			}
			if (this.exitError) throw this.exitError;
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`generator: no "${type}" within ${timeoutMs} ms`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiter = () => {
					clearTimeout(timer);
					this.waiter = null;
					resolve();
				};
			});
		}
	}

	/** Closes the IPC channel (the generator exits on that); kills it if it lingers. */
	async end(): Promise<void> {
		if (this.child.exitCode === null && this.child.signalCode === null) {
			if (this.child.connected) this.child.disconnect();
			const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
			await this.exited;
			clearTimeout(timer);
		}
	}
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
	const { target, publishers, window, mode, durationMs, warmupMs } = options;
	const count = Math.max(1, Math.min(options.generators, publishers));
	const specs = target.conns(publishers);
	const drainTimeoutMs = 15_000;
	const generators = Array.from({ length: count }, () => new GeneratorProcess());
	try {
		generators.forEach((g, k) =>
			g.send({
				type: 'init',
				host: HOST,
				port: target.port,
				conns: specs.filter((_, i) => i % count === k),
				window,
				mode: mode.kind === 'rate' ? { kind: 'rate', rate: mode.rate / count } : mode,
				seqBase: options.seqBase,
				connectTimeoutMs: 15_000,
				drainTimeoutMs,
				lifetimeMs: warmupMs + durationMs + drainTimeoutMs + 90_000
			})
		);
		const ready = await Promise.all(generators.map((g) => g.next('ready', 60_000)));
		const refused = ready.flatMap((r) => r.refused);
		const connected = ready.reduce((n, r) => n + r.connected, 0);
		if (connected !== publishers) {
			const sample = refused.slice(0, 3).map((r) => `${r.clientId}: ${r.returnCode}`);
			throw new Error(`${target.name}: ${connected}/${publishers} publishers connected (${sample.join(', ')}) ${ready.flatMap((r) => r.errors).slice(0, 3).join('; ')}`);
		}

		for (const g of generators) g.send({ type: 'start' });
		await pause(warmupMs);
		await options.onMark?.();
		const busy0 = machineBusySeconds();
		const own0 = process.cpuUsage();
		const before = target.sample();
		for (const g of generators) g.send({ type: 'mark' });
		await pause(durationMs);
		for (const g of generators) g.send({ type: 'stop' });
		const after = target.sample();
		const ownS = cpuSeconds(process.cpuUsage(own0));
		const busy1 = machineBusySeconds();
		await options.onStop?.();
		const results: GeneratorResult[] = (await Promise.all(generators.map((g) => g.next('result', drainTimeoutMs + 30_000)))).map((m) => m.result);

		const windowMs = results.reduce((n, r) => n + r.windowMs, 0) / results.length;
		const windowS = windowMs / 1000;
		const serverS = (after.at - before.at) / 1000;
		const latencies = mergeSorted(results.map((r) => r.latencies));
		const sum = (f: (r: GeneratorResult) => number) => results.reduce((n, r) => n + f(r), 0);
		const serverCpuS = before.cpuSeconds !== null && after.cpuSeconds !== null ? after.cpuSeconds - before.cpuSeconds : null;
		const separateBroker = target.pid !== process.pid ? (serverCpuS ?? 0) : 0;
		const otherS = busy0 !== null && busy1 !== null ? busy1 - busy0 - ownS - sum((r) => r.cpuMs) / 1000 - separateBroker : null;
		return {
			target: target.name,
			mode,
			windowS,
			ackedPerS: sum((r) => r.ackedInWindow) / windowS,
			sentPerS: sum((r) => r.sentInWindow) / windowS,
			generatorCpuPct: (sum((r) => r.cpuMs) / windowMs) * 100,
			generatorCpuPctMax: Math.max(...results.map((r) => (r.cpuMs / r.windowMs) * 100)),
			serverCpuPct: serverCpuS !== null ? (serverCpuS / serverS) * 100 : null,
			machineBusyPct: busy0 !== null && busy1 !== null ? ((busy1 - busy0) / serverS / os.cpus().length) * 100 : null,
			otherCpuPct: otherS !== null ? Math.max(0, (otherS / serverS) * 100) : null,
			latency: {
				count: latencies.length,
				p50: percentile(latencies, 50),
				p90: percentile(latencies, 90),
				p99: percentile(latencies, 99),
				max: latencies.length > 0 ? latencies[latencies.length - 1]! : null
			},
			totalSent: sum((r) => r.totalSent),
			totalAcked: sum((r) => r.totalAcked),
			unacked: sum((r) => r.unacked),
			skippedSends: sum((r) => r.skippedSends),
			connectionsLost: sum((r) => r.connectionsLost),
			errors: results.flatMap((r) => r.errors).slice(0, 10),
			server: { before, after },
			slowest: results.flatMap((r) => r.slowest)
		};
	} finally {
		await Promise.all(generators.map((g) => g.end()));
	}
}

