// Where a slow reading's time goes (bench:ingest under admin load): each batch of
// readings stamped at every stage of its way, main thread → database worker → main
// thread, and the generator's send and PUBACK times of the slowest readings placed
// against them. Benchmark-only: the stamps come from wrappers around the ingest's
// group commit and the reading COPY, and from the database worker's traces
// (`Database.onTrace`, with `measureCpu`).
import type { GroupCommit } from '../../src/lib/server/ingest/group-commit';
import type { ReadingRow } from '../../src/lib/server/ingest/writer';
import type { RequestTrace } from '../../src/lib/server/db/worker-protocol';
import type { GeneratorResult } from './protocol';
import { formatTable, round } from './stats';

/** Epoch ms on this thread, comparable with the worker's stamps (`performance.timeOrigin + performance.now()`). */
const epochNow = () => performance.timeOrigin + performance.now();

interface Batch {
	/** When its first and last reading reached the ingest (main thread). */
	firstAt: number;
	lastAt: number;
	rows: number;
	/** The COPY sent to the database worker. */
	sentAt: number;
	trace: RequestTrace | null;
	/** The COPY's promise settled on the main thread, and the readings' callbacks (their PUBACKs follow) called. */
	resolvedAt: number;
	settledAt: number;
}

/** The stages of a batch, in order: [label, from, to]. */
const STAGES: [string, (b: Batch) => number, (b: Batch) => number][] = [
	['received → COPY sent (previous batch in flight, batch gathering)', (b) => b.firstAt, (b) => b.sentAt],
	['COPY sent → read by the worker (unread behind a hold)', (b) => b.sentAt, (b) => b.trace!.readAt],
	['read → granted (session gate)', (b) => b.trace!.readAt, (b) => b.trace!.grantedAt],
	['hold (COPY and its pending row)', (b) => b.trace!.grantedAt, (b) => b.trace!.releasedAt],
	['released → reply posted', (b) => b.trace!.releasedAt, (b) => b.trace!.replySentAt],
	['reply posted → read on the main thread', (b) => b.trace!.replySentAt, (b) => b.trace!.replyReadAt],
	['reply read → readings settled', (b) => b.trace!.replyReadAt, (b) => b.settledAt]
];

export class Waterfall {
	private recording = false;
	/** Readings received while recording, in order; `batchOf` once a COPY took them. */
	private devices: string[] = [];
	private seqs: number[] = [];
	private receivedAt: number[] = [];
	private batchOf: number[] = [];
	/** Next reading not yet in a batch. */
	private unassigned = 0;
	private batches: Batch[] = [];
	/** The last realtime COPY's trace (heard before its caller resumes). */
	private lastTrace: RequestTrace | null = null;

	/** Stamps the readings as they reach `readings` and as their batch settles. */
	attach(readings: GroupCommit<ReadingRow, boolean>): void {
		const enqueue = readings.enqueue.bind(readings);
		readings.enqueue = (row, done) => {
			if (!this.recording) return enqueue(row, done);
			const i = this.devices.length;
			this.devices.push(row.deviceId);
			this.seqs.push(row.seq);
			this.receivedAt.push(epochNow());
			this.batchOf.push(-1);
			enqueue(row, (error, result) => {
				const b = this.batches[this.batchOf[i]!];
				if (b) b.settledAt = epochNow();
				done(error, result);
			});
		};
	}

	/** The trace listener for `Database.onTrace`. */
	readonly hear = (trace: RequestTrace): void => {
		if (trace.op === 'copy' && trace.priority === 'realtime') this.lastTrace = trace;
	};

	/**
	 * Wraps one reading COPY of `rows` readings: the group commit takes everything
	 * gathered when it starts a write, so these are the first `rows` not in a batch yet.
	 */
	async copy<T>(rows: number, run: () => Promise<T>): Promise<T> {
		if (!this.recording || this.unassigned + rows > this.devices.length) return run();
		const index = this.batches.length;
		const from = this.unassigned;
		this.unassigned += rows;
		for (let i = from; i < this.unassigned; i++) this.batchOf[i] = index;
		const batch: Batch = { firstAt: this.receivedAt[from]!, lastAt: this.receivedAt[this.unassigned - 1]!, rows, sentAt: epochNow(), trace: null, resolvedAt: 0, settledAt: 0 };
		this.batches.push(batch);
		this.lastTrace = null;
		try {
			return await run();
		} finally {
			batch.trace = this.lastTrace;
			batch.resolvedAt = epochNow();
		}
	}

	start(): void {
		this.devices = [];
		this.seqs = [];
		this.receivedAt = [];
		this.batchOf = [];
		this.unassigned = 0;
		this.batches = [];
		this.recording = true;
	}

	stop(): void {
		this.recording = false;
	}

	/**
	 * The table: the slowest 1 % of batches (first reading received → readings settled)
	 * by stage, mean and max, with what held the session when each COPY was sent; then
	 * the batches of the slowest 1 % of readings as the generator timed them (send →
	 * PUBACK), with the generator's side before and after.
	 */
	report(slowest: GeneratorResult['slowest']): string {
		const done = this.batches.filter((b) => b.trace && b.settledAt > 0);
		if (done.length === 0) return 'waterfall: no traced batch (the database worker runs without measureCpu?)';
		const total = (b: Batch) => b.settledAt - b.firstAt;
		const byTotal = [...done].sort((a, b) => total(b) - total(a));
		const top = byTotal.slice(0, Math.max(1, Math.ceil(done.length / 100)));
		const lines: string[] = [];
		const stageRows = (list: Batch[]) =>
			STAGES.map(([label, from, to]) => {
				const d = list.map((b) => to(b) - from(b));
				return [label, round(mean(d), 2), round(Math.max(...d), 2)];
			});
		const holdRows = (list: Batch[]) => [
			['  of the hold: CPU', round(mean(list.map((b) => b.trace!.cpuMs)), 2), round(Math.max(...list.map((b) => b.trace!.cpuMs)), 2)],
			['  of the hold: run queue (waiting for a core)', round(mean(list.map((b) => b.trace!.runQueueMs)), 2), round(Math.max(...list.map((b) => b.trace!.runQueueMs)), 2)]
		];
		lines.push(
			`waterfall: ${done.length} batches of readings traced; the slowest 1 % (${top.length}), first reading received → settled: mean ${round(mean(top.map(total)), 1)} ms, ` +
				`all batches p50 ${round(total(byTotal[Math.floor(byTotal.length / 2)]!), 1)} ms; rows per batch in them mean ${round(mean(top.map((b) => b.rows)), 0)}`
		);
		lines.push(formatTable(['stage (slowest 1 % of batches)', 'mean ms', 'max ms'], [...stageRows(top), ...holdRows(top)]));
		lines.push(formatTable(['held the session when the COPY was sent (slowest 1 % of batches)', 'batches'], countDuring(top)));

		// The slowest readings: their batch, and the generator's side.
		if (slowest.length > 0) {
			const toEpoch = epochNow() - Number(process.hrtime.bigint()) / 1e6;
			const want = new Map(slowest.map((s) => [`${s.device}:${s.seq}`, s]));
			const found: { batch: Batch; sent: number; received: number; acked: number }[] = [];
			for (let i = 0; i < this.devices.length; i++) {
				const s = want.get(`${this.devices[i]}:${this.seqs[i]}`);
				const batch = s && this.batches[this.batchOf[i]!];
				if (s && batch?.trace && batch.settledAt > 0) found.push({ batch, sent: s.sentMono + toEpoch, received: this.receivedAt[i]!, acked: s.ackedMono + toEpoch });
			}
			if (found.length > 0) {
				const rows: (string | number | null)[][] = [];
				const add = (label: string, d: number[]) => rows.push([label, round(mean(d), 2), round(Math.max(...d), 2)]);
				add('generator send → received by the ingest (kernel, aedes, main thread)', found.map((f) => f.received - f.sent));
				add('received → COPY sent (previous batch in flight, batch gathering)', found.map((f) => f.batch.sentAt - f.received));
				for (const [label, from, to] of STAGES.slice(1)) add(label, found.map((f) => to(f.batch) - from(f.batch)));
				add('settled → PUBACK read by the generator (aedes, kernel, generator)', found.map((f) => f.acked - f.batch.settledAt));
				add('total (generator send → PUBACK)', found.map((f) => f.acked - f.sent));
				lines.push(
					formatTable([`stage (slowest 1 % of readings: ${found.length} of ${slowest.length} placed, in ${new Set(found.map((f) => f.batch)).size} batches)`, 'mean ms', 'max ms'], [
						...rows,
						...holdRows(found.map((f) => f.batch))
					])
				);
				lines.push(formatTable(['held the session when their COPY was sent (slowest 1 % of readings)', 'readings'], countDuring(found.map((f) => f.batch))));
			}
		}
		return lines.join('\n');
	}
}

function mean(values: number[]): number | null {
	return values.length === 0 ? null : values.reduce((n, v) => n + v, 0) / values.length;
}

function countDuring(list: Batch[]): (string | number)[][] {
	const counts = new Map<string, number>();
	for (const b of list) {
		const what = (b.trace!.during ?? '(the session was free)').slice(0, 110);
		counts.set(what, (counts.get(what) ?? 0) + 1);
	}
	return [...counts].sort((a, b) => b[1] - a[1]);
}
