import { EventEmitter } from 'node:events';
import type { Move } from '$lib/domain/panic';
import type { PressInput } from '$lib/schemas/panic';
import type { IncidentView, PanicAlertMessage } from '$lib/views/alerts';
import { realtimeOf, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import type { CommittedEvents } from '../events/committed';
import { topics } from '../mqtt/topics';
import { incidentAsSystem } from './queries';
import { pressPanic, type PressResult } from './press';
import { moveIncident, type MoveOptions, type MoveResult } from './moves';
import { notifyPanic, responderIds } from './responders';

export interface PanicServiceOptions {
	db: Database;
	events: CommittedEvents;
	/** runtime.broker.publish: what dashboards of the RW hear on rw/{rw}/alerts/panic/{id}. */
	publish: (topic: string, payload: string) => Promise<void>;
	/** Seconds without acknowledgement before an incident escalates (PANIC_ESCALATE_S). */
	escalateS: number;
	now?: () => Date;
	/** How often escalation is checked (default 2 s); tests call escalateDue themselves. */
	tickMs?: number;
	log?: (message: string) => void;
}

/**
 * Panic incidents (docs/panic.md): presses from the phone, steps by officers, and the
 * two background duties, both decided by a conditional update so that with several
 * instances on one database each happens once, and both swept at start so a restart
 * loses neither:
 * - a button's press (stored with its incident by the ingest's transaction) is
 *   announced to the officers and RW admins after the commit;
 * - an incident not acknowledged in time escalates (recorded once, everyone told again).
 * Every change goes to the RW's dashboards over the broker and to this instance's
 * resident pages (`onChange`) after its commit.
 */
export class PanicService {
	private readonly bus = new EventEmitter();
	private timer: ReturnType<typeof setInterval> | null = null;
	private unsubscribe: (() => void) | null = null;
	private running: Promise<unknown> = Promise.resolve();
	readonly now: () => Date;
	private readonly log: (message: string) => void;
	/** A panic is realtime work: its queries go before waiting pages and imports (docs/architecture.md, "Events"). */
	private readonly db: Database;

	constructor(private readonly options: PanicServiceOptions) {
		this.db = realtimeOf(options.db);
		this.now = options.now ?? (() => new Date());
		this.log = options.log ?? ((m) => console.error(m));
		this.bus.setMaxListeners(0);
	}

	async start(): Promise<void> {
		this.unsubscribe = this.options.events.on('panics', () => this.background(() => this.announceDevicePresses()));
		// What a previous run stored but did not get to announce or escalate.
		await this.announceDevicePresses();
		await this.escalateDue();
		this.timer = setInterval(() => this.background(() => this.escalateDue()), this.options.tickMs ?? 2000);
		this.timer.unref();
	}

	async press(user: SessionUser, input: PressInput): Promise<PressResult> {
		const result = await pressPanic(this.db, user, input, this.now());
		if (result.ok && result.created) await this.changed(result.id);
		return result;
	}

	async move(user: SessionUser, id: string, move: Move, options: Omit<MoveOptions, 'now'>): Promise<MoveResult> {
		const result = await moveIncident(this.db, user, id, move, { ...options, now: this.now() });
		if (result.ok) await this.changed(id);
		return result;
	}

	/** Listens to changes of one incident made by this instance (a resident's live page). */
	onChange(id: string, listener: (incident: IncidentView) => void): () => void {
		this.bus.on(id, listener);
		return () => this.bus.off(id, listener);
	}

	/** Buttons' presses not yet announced: announced once (a conditional update), then published. */
	async announceDevicePresses(): Promise<string[]> {
		// Nothing to announce (every tick but a press's): one message, no transaction. On
		// PGlite a transaction holds the one session across a round trip to the main
		// thread per statement, and readings and alarms wait (bench/README.md, "thirteenth
		// session"). A press committed after this look is announced at the next tick.
		if ((await this.db.query(`select 1 from panic_incident where announced_at is null limit 1`)).length === 0) return [];
		const ids = await this.db.transaction(async (tx) => {
			const rows = await tx.query<{ id: string; rw_id: string; place_label: string }>(
				`update panic_incident set announced_at = $1 where id in (
				   select id from panic_incident where announced_at is null order by triggered_at limit 500 for update skip locked)
				 returning id, rw_id, place_label`,
				[this.now().toISOString()]
			);
			for (const row of rows) {
				await notifyPanic(tx, row.rw_id, await responderIds(tx, row.rw_id), 'triggered', { name: '-', place: row.place_label || '-' }, `/security/incidents/${row.id}`);
			}
			return rows.map((r) => r.id);
		});
		for (const id of ids) await this.changed(id);
		return ids;
	}

	/** Incidents past the escalation time and still not acknowledged: escalated once, everyone told. */
	async escalateDue(): Promise<string[]> {
		const now = this.now();
		// Nothing due (most ticks): one message, no transaction (as in announceDevicePresses).
		const due = await this.db.query(
			`select 1 from panic_incident where state = 'triggered' and escalated_at is null and triggered_at <= $1::timestamptz - make_interval(secs => $2) limit 1`,
			[now.toISOString(), this.options.escalateS]
		);
		if (due.length === 0) return [];
		const ids = await this.db.transaction(async (tx) => {
			const rows = await tx.query<{ id: string; rw_id: string; place_label: string }>(
				`update panic_incident set escalated_at = $1
				  where state = 'triggered' and escalated_at is null and triggered_at <= $1::timestamptz - make_interval(secs => $2)
				 returning id, rw_id, place_label`,
				[now.toISOString(), this.options.escalateS]
			);
			for (const row of rows) {
				await notifyPanic(tx, row.rw_id, await responderIds(tx, row.rw_id), 'escalated', { place: row.place_label || '-', seconds: this.options.escalateS }, `/security/incidents/${row.id}`);
			}
			return rows.map((r) => r.id);
		});
		for (const id of ids) await this.changed(id);
		return ids;
	}

	/** After a commit: the incident as it now stands to the RW's dashboards and this instance's listeners. */
	private async changed(id: string): Promise<void> {
		const incident = await incidentAsSystem(this.db, id);
		if (!incident) return;
		const { rwCode, ...rest } = incident;
		const view: IncidentView = { ...rest };
		delete (view as Partial<typeof incident>).rwId;
		delete (view as Partial<typeof incident>).reporterId;
		this.bus.emit(id, view);
		const message: PanicAlertMessage = { kind: 'panic', incident: view };
		await this.options
			.publish(topics.alert(rwCode, 'panic', id), JSON.stringify(message))
			.catch((err: unknown) => this.log(`panic ${id}: stored, but not published (dashboards catch up): ${String(err)}`));
	}

	private background(work: () => Promise<unknown>): void {
		this.running = this.running.then(work).catch((err: unknown) => this.log(`panic: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
	}

	async close(): Promise<void> {
		this.unsubscribe?.();
		if (this.timer) clearInterval(this.timer);
		await this.running;
	}
}
