import { Agent } from 'node:https';
import webpush from 'web-push';
import { allowed, backoffSeconds, deliveryOptions, MAX_ATTEMPTS } from '$lib/domain/push';
import type { Locale } from '$lib/i18n';
import type { Database } from '../db';
import { alreadySent, claimDue, finishRound, targetsOf, type DeliveryRecord, type DueNotification, type Target } from './outbox';
import { buildPayload } from './payload';
import type { VapidKeys } from './vapid';
import { onPushWake } from './wake';

export interface PushSenderOptions {
	db: Database;
	vapid: VapidKeys;
	/** Requests in flight at once (default 32). */
	concurrency?: number;
	/** Notifications claimed per round (default 200). */
	batch?: number;
	/** How often due rows are looked for without a wake: retries, other instances' rows, rows of a crash (ms, default 5000). */
	sweepMs?: number;
	/** A claimed row is taken again after this long if its sender died (s, default 60). */
	leaseS?: number;
	/** Seconds before the next try of a failed send (default: 5, 20, 80, 320 s). */
	backoff?: (attempt: number) => number;
	/** Per request (ms, default 10000). */
	timeoutMs?: number;
	/** Extra trusted certificate authorities (a local push endpoint in tests and benchmarks). */
	ca?: string | Buffer;
	log?: (message: string) => void;
}

/**
 * Delivers the notification rows due for push to the users' subscribed devices
 * (docs/push.md): woken in-process when notify() writes, by PostgreSQL's
 * notification at commit, and by a periodic sweep. One round at a time: claim,
 * send with bounded concurrency, record the outcome.
 */
export class PushSender {
	private readonly db: Database;
	private readonly agent: Agent;
	private readonly concurrency: number;
	private readonly batch: number;
	private readonly leaseS: number;
	private readonly log: (message: string) => void;
	private running: Promise<void> | null = null;
	private again = false;
	private closed = false;
	private timer: NodeJS.Timeout | null = null;
	private offWake: (() => void) | null = null;
	/** After a wake from notify() on PostgreSQL, look again shortly until then (ms since epoch). */
	private recheckUntil = 0;
	private recheck: NodeJS.Timeout | null = null;
	/** Signed VAPID headers per push service origin (signing costs ~1–3 ms; one JWT serves 12 hours). */
	private readonly vapidHeaders = new Map<string, { headers: Record<string, string>; renewAt: number }>();
	/** Counters for tests, metrics and the benchmark. */
	readonly stats = { sent: 0, gone: 0, retried: 0, failed: 0, skipped: 0, rounds: 0, errors: 0 };

	constructor(private readonly options: PushSenderOptions) {
		this.db = options.db;
		this.concurrency = options.concurrency ?? 32;
		this.batch = options.batch ?? 200;
		this.leaseS = options.leaseS ?? 60;
		this.log = options.log ?? ((m) => console.error(m));
		// Kept-alive connections: a fan-out to one push service reuses a few TLS sessions.
		this.agent = new Agent({ keepAlive: true, maxSockets: this.concurrency, ...(options.ca ? { ca: options.ca } : {}) });
	}

	/** Listens for wakes and starts the sweep; the first round runs at once (rows left by a crash). */
	start(): void {
		this.offWake = onPushWake(() => {
			// notify() wakes before its transaction commits: PGlite's claim waits for the
			// commit (one session), PostgreSQL's may run first and find nothing. LISTEN
			// wakes again at the commit where the runtime has it; without it (one process
			// given only a handle), look again every 50 ms for a short while.
			if (this.db.kind === 'postgres') this.recheckUntil = Date.now() + 2000;
			this.wake();
		});
		this.timer = setInterval(() => this.wake(), this.options.sweepMs ?? 5000);
		this.timer.unref();
		this.wake();
	}

	/** Look for due rows now (a round runs, or one more follows the running one). */
	wake(): void {
		if (this.closed) return;
		if (this.running) {
			this.again = true;
			return;
		}
		this.running = this.loop().finally(() => {
			this.running = null;
		});
	}

	/** Resolves when no round runs or is asked for (tests, shutdown). */
	async idle(): Promise<void> {
		while (this.running) await this.running;
	}

	async close(): Promise<void> {
		this.closed = true;
		this.offWake?.();
		if (this.recheck) clearTimeout(this.recheck);
		if (this.timer) clearInterval(this.timer);
		await this.idle();
		this.agent.destroy();
	}

	private async loop(): Promise<void> {
		let claimed = 0;
		do {
			this.again = false;
			try {
				claimed = await this.round();
			} catch (err) {
				this.stats.errors++;
				this.log(`push: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
				claimed = 0;
			}
		} while ((claimed === this.batch || this.again) && !this.closed);
		if (claimed === 0 && Date.now() < this.recheckUntil && !this.closed && !this.recheck) {
			this.recheck = setTimeout(() => {
				this.recheck = null;
				this.wake();
			}, 50);
		}
	}

	/** One claim → send → record; returns how many notifications it claimed. */
	private async round(): Promise<number> {
		const due = await claimDue(this.db, this.batch, this.leaseS);
		if (due.length === 0) return 0;
		this.stats.rounds++;
		const targets = await targetsOf(this.db, due.map((n) => n.userId));
		const retrying = due.filter((n) => n.attempt > 1).map((n) => n.id);
		const sent = await alreadySent(this.db, retrying);
		const jobs: { n: DueNotification; target: Target; payload: string }[] = [];
		const payloads = new Map<string, string>();
		for (const n of due) {
			for (const target of targets.get(n.userId) ?? []) {
				if (!allowed(target.prefs, n.kind)) {
					this.stats.skipped++;
					continue;
				}
				if (sent.has(`${n.id}:${target.subscriptionId}`)) continue;
				jobs.push({ n, target, payload: payloadOf(payloads, n, target.locale) });
			}
		}
		const deliveries: DeliveryRecord[] = [];
		await inPool(jobs, this.concurrency, async ({ n, target, payload }) => deliveries.push(await this.send(n, target, payload)));
		const needsRetry = new Set(deliveries.filter((d) => d.result === 'retry').map((d) => d.notificationId));
		const done: number[] = [];
		const retries: { id: number; afterS: number }[] = [];
		for (const n of due) {
			if (needsRetry.has(n.id) && n.attempt < MAX_ATTEMPTS) retries.push({ id: n.id, afterS: (this.options.backoff ?? ((a) => backoffSeconds(a, Math.random())))(n.attempt) });
			else done.push(n.id);
		}
		// The last try's retryable failures are final.
		for (const d of deliveries) if (d.result === 'retry' && !retries.some((r) => r.id === d.notificationId)) d.result = 'failed';
		await finishRound(this.db, deliveries, done, retries);
		for (const d of deliveries) this.stats[d.result === 'retry' ? 'retried' : d.result]++;
		return due.length;
	}

	private vapidFor(endpoint: string): Record<string, string> {
		const audience = new URL(endpoint).origin;
		const now = Date.now();
		const cached = this.vapidHeaders.get(audience);
		if (cached && cached.renewAt > now) return cached.headers;
		const { publicKey, privateKey, subject } = this.options.vapid;
		const expiration = Math.floor(now / 1000) + VAPID_LIFETIME_S;
		const headers = webpush.getVapidHeaders(audience, subject, publicKey, privateKey, 'aes128gcm', expiration) as Record<string, string>;
		// Renewed well before it expires (a push service refuses an expired JWT).
		this.vapidHeaders.set(audience, { headers, renewAt: now + 3600_000 });
		return headers;
	}

	private async send(n: DueNotification, target: Target, payload: string): Promise<DeliveryRecord> {
		const { urgency, ttl, topic } = deliveryOptions(n.kind, n.params);
		const record = { rwId: n.rwId, notificationId: n.id, subscriptionId: target.subscriptionId, userId: target.userId, kind: n.kind, attempt: n.attempt };
		try {
			const res = await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
				// Signed here once per push service and reused (null: no signing per request).
				vapidDetails: null as unknown as undefined,
				headers: this.vapidFor(target.endpoint),
				TTL: ttl,
				urgency,
				...(topic ? { topic } : {}),
				timeout: this.options.timeoutMs ?? 10_000,
				agent: this.agent
			});
			return { ...record, result: 'sent', statusCode: res.statusCode, error: '' };
		} catch (err) {
			const statusCode = err instanceof webpush.WebPushError ? err.statusCode : null;
			const message = err instanceof Error ? err.message : String(err);
			// 404/410: the subscription expired or was withdrawn; other 4xx will not get better by trying again.
			if (statusCode === 404 || statusCode === 410) return { ...record, result: 'gone', statusCode, error: '' };
			const retry = statusCode === null || statusCode === 429 || statusCode >= 500;
			return { ...record, result: retry ? 'retry' : 'failed', statusCode, error: message };
		}
	}
}

const VAPID_LIFETIME_S = 12 * 3600;

function payloadOf(cache: Map<string, string>, n: DueNotification, locale: Locale): string {
	const key = `${n.id}:${locale}`;
	let payload = cache.get(key);
	if (payload === undefined) cache.set(key, (payload = buildPayload(n, locale)));
	return payload;
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await fn(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
