// A benchmark's probe process (a dashboard, a load of presses): forked with tsx, spoken
// to over IPC, its answers waited for by type; a `fatal` answer or its exit fails the wait.
import { fork, type ChildProcess } from 'node:child_process';

export class Probe<To extends object, From extends { type: string } | { type: 'fatal'; error: string }> {
	private readonly child: ChildProcess;
	private inbox: From[] = [];
	private wake: (() => void) | null = null;

	constructor(script: string) {
		this.child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		this.child.on('message', (m: From) => {
			this.inbox.push(m);
			this.wake?.();
		});
		this.child.once('exit', () => this.wake?.());
	}

	send(m: To) {
		this.child.send(m);
	}

	async next<K extends From['type']>(type: K, timeoutMs: number): Promise<Extract<From, { type: K }>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const i = this.inbox.findIndex((m) => m.type === type || m.type === 'fatal');
			if (i >= 0) {
				const [m] = this.inbox.splice(i, 1);
				if (m!.type === 'fatal') throw new Error(`probe failed: ${(m as { error?: string }).error}`);
				return m as Extract<From, { type: K }>;
			}
			if (this.child.exitCode !== null) throw new Error('probe exited');
			if (Date.now() > deadline) throw new Error(`probe: no ${type} within ${timeoutMs} ms`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
				this.wake = () => {
					clearTimeout(timer);
					this.wake = null;
					resolve();
				};
			});
		}
	}

	end() {
		if (this.child.connected) this.child.disconnect();
	}
}
