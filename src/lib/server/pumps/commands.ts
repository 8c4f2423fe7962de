import type { Database } from '../db';
import type { UserDb } from '../db/user-db';
import type { CommittedEvents } from '../events/committed';
import { audit } from '../audit';
import { topics } from '../mqtt/topics';
import { may } from '$lib/domain/permissions';
import type { AlertMessage, PumpView } from '$lib/views/alerts';
import { loadPump } from './views';

/** A command the pump's reported state has not confirmed within this long has failed (docs/domain.md, "Flood monitoring"). */
export const PUMP_CONFIRM_MS = 10_000;

/** Runs `fn` after `ms`; returns the function that cancels it (tests pass their own to fire it at will). */
export type Schedule = (fn: () => void, ms: number) => () => void;

const realSchedule: Schedule = (fn, ms) => {
	const timer = setTimeout(fn, ms);
	timer.unref();
	return () => clearTimeout(timer);
};

export interface PumpCommandsOptions {
	db: Database;
	/** The broker's server publish (QoS 1). */
	publish: (topic: string, payload: string) => Promise<void>;
	/** The ingest's committed events: a stored pump state confirms a command. */
	events: CommittedEvents;
	timeoutMs?: number;
	schedule?: Schedule;
	log?: (message: string) => void;
}

export type CommandResult = { ok: true; view: PumpView } | { ok: false; reason: 'forbidden' | 'not_found' };

/**
 * Pump commands: an officer's command is stored under their RLS and audited, then
 * published on the pump's `cmd` topic; the pump's reported state (a committed event)
 * confirms it, and a command still unconfirmed after 10 s has failed. Every change is
 * published to dashboards as `{kind:'pump'}` on `rw/{rw}/alerts/pump/{id}`.
 *
 * With several instances each settles what it sees: the instance that stored the
 * pump's state confirms, the one that sent the command fails it after 10 s; both are
 * single conditional updates (`confirmed_at is null and failed_at is null`), so a
 * command ends exactly once. A restart fails the commands left pending over 10 s.
 */
export class PumpCommands {
	private readonly timers = new Map<string, () => void>();
	private readonly timeoutMs: number;
	private readonly schedule: Schedule;
	private readonly log: (message: string) => void;
	private off: (() => void) | null = null;

	constructor(private readonly options: PumpCommandsOptions) {
		this.timeoutMs = options.timeoutMs ?? PUMP_CONFIRM_MS;
		this.schedule = options.schedule ?? realSchedule;
		this.log = options.log ?? ((m) => console.error(m));
	}

	/** Listens for pump states; fails commands a stop left pending, and times the younger ones. */
	async start(): Promise<void> {
		this.off ??= this.options.events.on('pump_state', (e) => this.confirm(e.deviceId, e.on, e.at));
		const { db } = this.options;
		const stale = await db.query<{ device_id: string }>(
			`update pump_command set failed_at = now()
			  where confirmed_at is null and failed_at is null and at < now() - make_interval(secs => $1::float8 / 1000)
			  returning device_id`,
			[this.timeoutMs]
		);
		for (const device of new Set(stale.map((r) => r.device_id))) await this.announce(device);
		const pending = await db.query<{ id: string; left_ms: number }>(
			`select id, greatest(0, extract(epoch from (at - now())) * 1000 + $1::float8)::float8 as left_ms
			   from pump_command where confirmed_at is null and failed_at is null`,
			[this.timeoutMs]
		);
		for (const p of pending) this.arm(p.id, p.left_ms);
	}

	/** An officer's command: stored and audited in one transaction as the user, then sent. */
	async command(userDb: UserDb, deviceId: string, turnOn: boolean): Promise<CommandResult> {
		const user = userDb.user;
		if (!user.rwId || !may(user, 'pumps.command')) return { ok: false, reason: 'forbidden' };
		const stored = await userDb.transaction(async (tx) => {
			const pump = await tx.query(`select 1 from device where id = $1 and rw_id = $2 and kind = 'pump'`, [deviceId, user.rwId]);
			if (pump.length === 0) return null;
			const rows = await tx.query<{ id: string; by_name: string | null }>(
				`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, $2, $3, $4) returning id, by_name`,
				[user.rwId, deviceId, turnOn, user.id]
			);
			const command = rows[0]!;
			await audit(tx, { rwId: user.rwId, actorId: user.id, action: turnOn ? 'pump.on' : 'pump.off', target: deviceId, detail: { command: command.id } });
			return command;
		});
		if (!stored) return { ok: false, reason: 'not_found' };
		this.arm(stored.id, this.timeoutMs);
		// Dashboards hear of the command (pending) before the pump can answer it: a fast
		// pump's confirmation is announced after this, never before.
		let view = await this.announce(deviceId);
		const payload = JSON.stringify({ on: turnOn, by: stored.by_name ?? user.name });
		try {
			await this.options.publish(topics.pumpCmd(user.rwCode!, deviceId), payload);
		} catch (err) {
			// The broker is away: the command cannot reach the pump, so it has failed now.
			this.log(`pump command ${stored.id} to ${deviceId} not sent: ${String(err)}`);
			await this.fail(stored.id);
			view = (await loadPump(this.options.db, deviceId))?.view ?? view;
		}
		return { ok: true, view: view! };
	}

	/** A pump's stored state confirms its pending commands that asked for it. */
	async confirm(deviceId: string, on: boolean, at: Date): Promise<void> {
		const confirmed = await this.options.db.query<{ id: string }>(
			`update pump_command set confirmed_at = $3
			  where device_id = $1 and turn_on = $2 and confirmed_at is null and failed_at is null returning id`,
			[deviceId, on, at]
		);
		for (const { id } of confirmed) this.disarm(id);
		// The state itself changed too: dashboards show it even without a command.
		await this.announce(deviceId);
	}

	/** A command not confirmed in time has failed (once: a confirmation may have won). */
	async fail(id: string): Promise<void> {
		this.disarm(id);
		const failed = await this.options.db.query<{ device_id: string }>(
			`update pump_command set failed_at = now() where id = $1 and confirmed_at is null and failed_at is null returning device_id`,
			[id]
		);
		if (failed[0]) await this.announce(failed[0].device_id);
	}

	close(): void {
		this.off?.();
		this.off = null;
		for (const cancel of this.timers.values()) cancel();
		this.timers.clear();
	}

	private arm(id: string, ms: number): void {
		this.disarm(id);
		this.timers.set(
			id,
			this.schedule(() => {
				this.fail(id).catch((err: unknown) => this.log(`failing pump command ${id}: ${String(err)}`));
			}, ms)
		);
	}

	private disarm(id: string): void {
		this.timers.get(id)?.();
		this.timers.delete(id);
	}

	/** Publishes the pump's current view to its RW's dashboards; returns it. */
	private async announce(deviceId: string): Promise<PumpView | null> {
		const pump = await loadPump(this.options.db, deviceId);
		if (!pump) return null;
		const message: AlertMessage = { kind: 'pump', pump: pump.view };
		await this.options.publish(topics.alert(pump.rwCode, 'pump', deviceId), JSON.stringify(message)).catch((err: unknown) => {
			this.log(`publishing pump ${deviceId} to dashboards failed: ${String(err)}`);
		});
		return pump.view;
	}
}
