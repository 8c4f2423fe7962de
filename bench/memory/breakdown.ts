// Where an app process's memory is, for `bench:memory --breakdown`: each thread's V8
// heap (main thread and every worker, through the inspector the app was started with,
// `--inspect=127.0.0.1:0`) and the process's mappings from /proc/<pid>/smaps by kind
// (WASM memory, malloc, files, the rest).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

export interface ThreadMemory {
	/** `main`, or the worker's URL (its file name). */
	thread: string;
	/** V8 heap committed (MB) and used (MB). */
	heapCommittedMb: number;
	heapUsedMb: number;
	/** Per space: committed MB (new_space is the young generation's semi-spaces). */
	spaces: Record<string, number>;
	/** Array buffers and external memory V8 knows of (MB; main thread: the whole process's ArrayBuffers). */
	externalMb: number;
	/** The heap's limit (MB): the old generation's limit plus the young generation. */
	limitMb: number;
}

export interface MappingsMemory {
	rssMb: number;
	/** RSS of WASM memories (one per instance): a read-write mapping followed by its guard reservation (≥ 1 GB, no access). */
	wasmMb: number[];
	/** RSS of malloc's memory: the brk heap and glibc's per-thread arenas (anonymous, 64 MB aligned, at most 64 MB). */
	mallocMb: number;
	/** RSS of file-backed mappings (node's code, shared libraries such as sharp's libvips). */
	filesMb: number;
	/** RSS of the other anonymous mappings: V8 heaps, compiled code, thread stacks. */
	otherMb: number;
}

const MB = 1024 * 1024;

/** The inspector's WebSocket URL from the app's stderr (`Debugger listening on ws://…`). */
export function inspectorUrl(output: string): string | null {
	return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;
}

const EXPRESSION = `(() => {
	const v8 = require('node:v8');
	const h = v8.getHeapStatistics();
	const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
	const m = process.memoryUsage();
	return { committed: h.total_physical_size, used: h.used_heap_size, limit: h.heap_size_limit, spaces, external: m.external };
})()`;

interface Raw {
	committed: number;
	used: number;
	spaces: Record<string, number>;
	external: number;
	limit: number;
}

const mb = (n: number) => Math.round((n / MB) * 10) / 10;

function toThread(thread: string, r: Raw): ThreadMemory {
	return {
		thread,
		heapCommittedMb: mb(r.committed),
		heapUsedMb: mb(r.used),
		spaces: Object.fromEntries(Object.entries(r.spaces).map(([k, v]) => [k, mb(v)])),
		externalMb: mb(r.external),
		limitMb: mb(r.limit)
	};
}

/** Each thread's V8 heap, read through the inspector (main thread, then each worker). */
export async function threadMemory(url: string, timeoutMs = 20_000): Promise<ThreadMemory[]> {
	const ws = new WebSocket(url);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	let next = 1;
	const pending = new Map<number, (result: unknown) => void>();
	const workers: { sessionId: string; title: string }[] = [];
	const workerPending = new Map<string, (result: unknown) => void>();
	ws.on('message', (data: Buffer) => {
		const msg = JSON.parse(data.toString()) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };
		if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
		else if (msg.method === 'NodeWorker.attachedToWorker') {
			const info = msg.params!.workerInfo as { url: string; title: string };
			workers.push({ sessionId: msg.params!.sessionId as string, title: info.url.split('/').pop() || info.title });
		} else if (msg.method === 'NodeWorker.receivedMessageFromWorker') {
			const inner = JSON.parse(msg.params!.message as string) as { id?: number; result?: unknown };
			if (inner.id !== undefined) workerPending.get(`${msg.params!.sessionId as string}/${inner.id}`)?.(inner.result);
		}
	});
	const call = (method: string, params: object = {}) =>
		new Promise<unknown>((resolve) => {
			const id = next++;
			pending.set(id, resolve);
			ws.send(JSON.stringify({ id, method, params }));
		});
	const evaluate = { expression: EXPRESSION, includeCommandLineAPI: true, returnByValue: true };
	const timer = setTimeout(() => ws.terminate(), timeoutMs);
	try {
		const out: ThreadMemory[] = [];
		const main = (await call('Runtime.evaluate', evaluate)) as { result: { value: Raw } };
		out.push(toThread('main', main.result.value));
		await call('NodeWorker.enable', { waitForDebuggerOnStart: false });
		// The attach events come right after the reply to enable.
		await new Promise((r) => setTimeout(r, 200));
		for (const w of workers) {
			const inner = (id: number, method: string, params: object) =>
				new Promise<unknown>((resolve) => {
					workerPending.set(`${w.sessionId}/${id}`, resolve);
					void call('NodeWorker.sendMessageToWorker', { sessionId: w.sessionId, message: JSON.stringify({ id, method, params }) });
				});
			const r = (await inner(1, 'Runtime.evaluate', evaluate)) as { result?: { value?: Raw } };
			if (r.result?.value) out.push(toThread(w.title, r.result.value));
			await call('NodeWorker.detach', { sessionId: w.sessionId });
		}
		return out;
	} finally {
		clearTimeout(timer);
		ws.close();
	}
}

/** The process's resident memory by kind of mapping (/proc/<pid>/smaps; the kinds are told apart by shape, see MappingsMemory). */
export function mappingsMemory(pid: number): MappingsMemory {
	const maps: { start: number; end: number; perms: string; name: string; rss: number }[] = [];
	for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
		const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
		if (head) maps.push({ start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perms: head[3]!, name: head[4]!, rss: 0 });
		const rss = /^Rss:\s+(\d+) kB/.exec(line);
		if (rss) maps[maps.length - 1]!.rss = Number(rss[1]) * 1024;
	}
	const out = { rss: 0, wasm: [] as number[], malloc: 0, files: 0, other: 0 };
	const ARENA = 64 * MB;
	maps.forEach((m, i) => {
		const next = maps[i + 1];
		out.rss += m.rss;
		if (m.rss === 0) return;
		if (m.perms === 'rw-p' && m.name === '' && next && next.start === m.end && next.perms === '---p' && next.end - next.start >= 1024 * MB) out.wasm.push(m.rss);
		else if (m.name === '[heap]' || (m.perms === 'rw-p' && m.name === '' && m.start % ARENA === 0 && m.end - m.start <= ARENA)) out.malloc += m.rss;
		else if (m.name.startsWith('/')) out.files += m.rss;
		else out.other += m.rss;
	});
	return { rssMb: mb(out.rss), wasmMb: out.wasm.map(mb), mallocMb: mb(out.malloc), filesMb: mb(out.files), otherMb: mb(out.other) };
}
