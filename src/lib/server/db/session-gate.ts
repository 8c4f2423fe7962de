// Who uses the one database session next (PGlite in its worker thread). Runs in the
// worker thread only.
import type { HoldTrace, Priority, SessionStats } from './worker-protocol';
import { round, series } from './duration-series';

/** What holds the session: a whole message (batch, query, exec, copy) or an interactive transaction. */
export type HoldKind = 'transaction' | 'batch' | 'query' | 'exec' | 'copy' | 'close';

/** The longest holds kept, with what held the session (`stats().slowest`). */
const SLOWEST = 8;

/** Holds remembered (with `sched`) to say what held the session when a traced request was sent. */
const RECENT = 256;

/** Labels (`holdLabel`) kept apart in `stats().byWhat`; later ones are counted under "(other)". */
const LABELS = 48;

const CLAIMS = /^\s*select set_config\('request\.jwt\.claims'/;

/**
 * What a hold was, for `stats().slowest`: the first statement's text, whitespace
 * collapsed and cut short (no values: those are parameters). The claims a user's
 * batch starts with (with-user.ts) say nothing, so the statement after them is taken.
 */
export function holdLabel(texts: string[]): string {
	const text = texts.find((t) => !CLAIMS.test(t)) ?? texts[0] ?? '';
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/**
 * One session, taken in turn. While it is taken, requests wait in two queues; when it
 * frees, a waiting realtime request (the ingest path: a batch of readings whose PUBACKs
 * wait for it, a panic) goes before every waiting normal one (pages, imports, letters).
 * Within a queue the order is arrival. Normal work is not starved: the ingest writes
 * one batch of readings and one of panics at a time (group-commit.ts), so at most a
 * few realtime requests go before it each time the session frees.
 *
 * A message (batch, query, copy) holds the session only while the database runs it.
 * An interactive transaction holds it from BEGIN to its end, across a round trip to
 * the main thread for every statement: under ingest load each of those waits for an
 * event-loop turn busy with MQTT, and whoever queued behind waits for all of them.
 * The gate counts those round trips (`turn()`, called for every message of an open
 * transaction) and records, for each request that waited, how many of them it waited
 * through: `stats()` (docs/architecture.md, "The database").
 *
 * PGlite runs each statement synchronously in this thread, so a realtime request that
 * arrives while a normal one runs is not even read until it ends, and a normal request
 * granted in the same turn would run before it is. So while realtime work is about (a
 * realtime request in the last second) normal work is granted on a later event-loop
 * turn (after the messages that arrived meanwhile are read), and rests after each hold
 * as long as it held the session (at most MAX_REST_MS): long work then uses at most
 * half of the session and the readings behind it find it free. Without realtime work,
 * normal requests are granted at once, one after another.
 */
/** Normal work's share of the session while realtime work is about. */
const NORMAL_SHARE = 0.5;
/** Realtime work is "about" for this long after its last request. */
const REALTIME_ABOUT_MS = 1000;
/** The longest rest after one normal hold. */
const MAX_REST_MS = 200;

/**
 * The thread's own scheduler figures so far, ms: time on a CPU, and time runnable but
 * waiting for one (Linux: /proc/thread-self/schedstat). What a hold's wall time is
 * made of on a machine where other threads want the same cores.
 */
export type SchedClock = () => { cpuMs: number; runQueueMs: number };

/**
 * `now`: the gate's clock (ms), the one `sentAt` of a request is given in: the worker
 * converts the main thread's send stamp (`performance.timeOrigin + performance.now()`,
 * comparable across threads) to it. `sched`: per-hold CPU and run-queue time (benchmarks).
 */
export function sessionGate(now: () => number = () => performance.now(), sched?: SchedClock) {
	let taken = false;
	/** Main-thread round trips of open transactions, ever. */
	let turns = 0;
	const waiting: Record<Priority, (() => void)[]> = { realtime: [], normal: [] };
	let holds = new Map<string, { series: ReturnType<typeof series>; cpu: ReturnType<typeof series>; runQueue: ReturnType<typeof series>; turns: number }>();
	const newWait = () => ({ series: series(), fromSend: series(), unread: series(), waited: 0, turnsWaited: 0, maxTurnsWaited: 0 });
	const newWaits = () => ({ realtime: newWait(), normal: newWait() });
	let waits = newWaits();
	let slowest: SessionStats['slowest'] = [];
	/** Per kind and label: count, wall and CPU totals, the longest, and the sum of squared wall times (what readings arriving during the holds waited in all, ×2). */
	let byWhat = new Map<string, SessionStats['byWhat'][number]>();
	/** What the current holder is, once known (an interactive transaction: its first statement). */
	let label = '';
	/** With `sched`: the hold in progress (gate clock) and the last RECENT holds, for `HoldTrace.during`. */
	let current: { from: number; hold: string } | null = null;
	const recent: { from: number; to: number; what: string }[] = [];
	/** What held the session at `t` (gate clock): the hold in progress or a recent one, or null. */
	const heldAt = (t: number): string | null => {
		if (current && current.from <= t) return `${current.hold}: ${label}`;
		for (let i = recent.length - 1; i >= 0; i--) {
			const h = recent[i]!;
			if (h.to <= t) return null;
			if (h.from <= t) return h.what;
		}
		return null;
	};

	// Pacing of normal work (real time, not the stats clock): see the comment above.
	let realtimeSeenAt = -Infinity;
	let normalRestUntil = 0;
	let dispatchPending = false;
	/** A realtime request came in the last REALTIME_ABOUT_MS. */
	const realtimeAbout = () => performance.now() - realtimeSeenAt < REALTIME_ABOUT_MS;
	/** Grants the session to the next normal request once it is free and normal work has rested. */
	const dispatchNormal = () => {
		dispatchPending = false;
		if (taken || waiting.normal.length === 0) return;
		const rest = normalRestUntil - performance.now();
		if (rest > 0) {
			dispatchPending = true;
			setTimeout(dispatchNormal, Math.ceil(rest));
			return;
		}
		taken = true;
		waiting.normal.shift()!();
	};
	/**
	 * Normal work is granted on a later event-loop turn, never in the turn that freed the
	 * session: the messages that arrived meanwhile are read first, and a realtime request
	 * among them goes before it.
	 */
	const scheduleNormal = () => {
		if (dispatchPending) return;
		dispatchPending = true;
		setImmediate(dispatchNormal);
	};
	const handOn = () => {
		const next = waiting.realtime.shift();
		if (next) return next();
		if (waiting.normal.length === 0) taken = false;
		else if (!realtimeAbout()) waiting.normal.shift()!();
		else {
			taken = false;
			scheduleNormal();
		}
	};
	/**
	 * Resolves with the release function once the session is the caller's; release once.
	 * `sentAt` (the gate's clock): when the request left the main thread. The worker
	 * reads nothing while a statement runs, so a request sent during a hold is read
	 * (and asks here) only when the hold ends: its wait counts from `sentAt`.
	 * `trace` (with `sched`: benchmarks) is filled in with this request's way through
	 * the gate, in epoch ms (`HoldTrace`), once it releases the session.
	 */
	const acquire = (priority: Priority, kind: HoldKind, what = '', sentAt?: number, trace?: Partial<HoldTrace>): Promise<() => void> => {
		const asked = now();
		const sent = sentAt === undefined ? asked : Math.min(sentAt, asked);
		const turnsAsked = turns;
		waits[priority].unread.add(asked - sent);
		if (trace && sched) {
			trace.readAt = asked + performance.timeOrigin;
			trace.during = heldAt(sent);
		}
		const grant = (): (() => void) => {
			const at = now();
			const turnsAt = turns;
			const schedAt = sched?.();
			const heldFrom = performance.now();
			label = what;
			if (sched) current = { from: at, hold: `${priority} ${kind}` };
			const w = waits[priority];
			w.series.add(at - asked);
			w.fromSend.add(at - sent);
			const through = turnsAt - turnsAsked;
			if (at > sent || through > 0) w.waited++;
			w.turnsWaited += through;
			if (through > w.maxTurnsWaited) w.maxTurnsWaited = through;
			let released = false;
			return () => {
				if (released) return;
				released = true;
				const key = `${priority} ${kind}`;
				let h = holds.get(key);
				if (!h) holds.set(key, (h = { series: series(), cpu: series(), runQueue: series(), turns: 0 }));
				const ms = now() - at;
				const schedEnd = schedAt && sched?.();
				const cpuMs = schedAt && schedEnd ? schedEnd.cpuMs - schedAt.cpuMs : null;
				const runQueueMs = schedAt && schedEnd ? schedEnd.runQueueMs - schedAt.runQueueMs : null;
				if (sched) {
					current = null;
					recent.push({ from: at, to: at + ms, what: `${key}: ${label}` });
					if (recent.length > RECENT) recent.shift();
					if (trace) Object.assign(trace, { grantedAt: at + performance.timeOrigin, releasedAt: at + ms + performance.timeOrigin, cpuMs: cpuMs ?? 0, runQueueMs: runQueueMs ?? 0 });
				}
				h.series.add(ms);
				if (cpuMs !== null) h.cpu.add(cpuMs);
				if (runQueueMs !== null) h.runQueue.add(runQueueMs);
				h.turns += turns - turnsAt;
				// Beyond LABELS labels, new ones are counted together per kind.
				const own = `${key}\u0000${label}`;
				const what = byWhat.has(own) || byWhat.size < LABELS ? label : '(other)';
				const whatKey = `${key}\u0000${what}`;
				let w = byWhat.get(whatKey);
				if (!w) byWhat.set(whatKey, (w = { hold: key, what, count: 0, ms: 0, maxMs: 0, squaredMs: 0, cpuMs: cpuMs === null ? null : 0 }));
				w.count++;
				w.ms += ms;
				w.squaredMs += ms * ms;
				if (ms > w.maxMs) w.maxMs = ms;
				if (w.cpuMs !== null && cpuMs !== null) w.cpuMs += cpuMs;
				if (slowest.length < SLOWEST || ms > slowest[slowest.length - 1]!.ms) {
					slowest.push({
						hold: key,
						ms: round(ms),
						cpuMs: cpuMs === null ? null : round(cpuMs),
						runQueueMs: runQueueMs === null ? null : round(runQueueMs),
						what: label,
						turns: turns - turnsAt
					});
					slowest.sort((a, b) => b.ms - a.ms);
					if (slowest.length > SLOWEST) slowest.pop();
				}
				// While realtime work is about, normal work rests as long as it held the session.
				if (priority === 'normal') {
					const end = performance.now();
					if (realtimeAbout()) normalRestUntil = end + Math.min(end - heldFrom, MAX_REST_MS) * (1 / NORMAL_SHARE - 1);
				}
				handOn();
			};
		};
		if (priority === 'realtime') {
			realtimeSeenAt = performance.now();
			if (!taken) {
				taken = true;
				return Promise.resolve(grant());
			}
		}
		if (!taken && !realtimeAbout()) {
			taken = true;
			return Promise.resolve(grant());
		}
		return new Promise((resolve) => {
			waiting[priority].push(() => resolve(grant()));
			if (priority === 'normal' && !taken) scheduleNormal();
		});
	};
	const waitStats = (w: ReturnType<typeof newWait>) => ({
		...w.series.summary(),
		fromSend: w.fromSend.summary(),
		unread: w.unread.summary(),
		waited: w.waited,
		turnsWaited: w.turnsWaited,
		maxTurnsWaited: w.maxTurnsWaited
	});
	return {
		acquire,
		/** Runs fn holding the session (`sentAt`, `trace`: see acquire). */
		async run<T>(priority: Priority, kind: HoldKind, what: string, fn: () => Promise<T>, sentAt?: number, trace?: Partial<HoldTrace>): Promise<T> {
			const release = await acquire(priority, kind, what, sentAt, trace);
			try {
				return await fn();
			} finally {
				release();
			}
		},
		/** A message of an open transaction arrived (`text`: its statement): the session was held across a main-thread turn. */
		turn(text?: string) {
			turns++;
			if (label === '' && text !== undefined && !CLAIMS.test(text)) label = holdLabel([text]);
		},
		/** Hold times per priority and kind, and waits per priority, since the start or the last reset. */
		stats(reset = false): SessionStats {
			const out: SessionStats = {
				holds: Object.fromEntries(
					[...holds].map(([key, h]) => [key, { ...h.series.summary(), turns: h.turns, cpu: sched ? h.cpu.summary() : null, runQueue: sched ? h.runQueue.summary() : null }])
				),
				waits: {
					realtime: waitStats(waits.realtime),
					normal: waitStats(waits.normal)
				},
				slowest: slowest.map((s) => ({ ...s })),
				byWhat: [...byWhat.values()]
					.map((w) => ({ ...w, ms: round(w.ms), maxMs: round(w.maxMs), squaredMs: round(w.squaredMs), cpuMs: w.cpuMs === null ? null : round(w.cpuMs) }))
					.sort((a, b) => b.squaredMs - a.squaredMs)
			};
			if (reset) {
				byWhat = new Map();
				holds = new Map();
				waits = newWaits();
				slowest = [];
			}
			return out;
		}
	};
}
