import type { PanicRow, ReadingRow } from '../ingest/writer';

/**
 * The one seam from the write path to everything that reacts (docs/architecture.md,
 * "Events"): the ingest emits an event only after the batch holding it is stored, so a
 * subscriber never acts on something a crash could still lose. The alarm engine, the
 * dashboard feed and the push sender subscribe here, never to raw MQTT messages. With
 * several app instances, each instance emits what it stored itself, so every stored
 * message is emitted exactly once across the deployment.
 */
export type CommittedEvent =
	/** New readings of one group commit (duplicates left out), in arrival order. */
	| { kind: 'readings'; rows: readonly ReadingRow[] }
	/** New panic presses of one group commit. */
	| { kind: 'panics'; rows: readonly PanicRow[] }
	/** A device's connection state (its retained LWT topic), as stored. */
	| { kind: 'status'; deviceId: string; rwId: string; status: 'online' | 'offline'; at: Date }
	/** A pump's reported state, as stored. */
	| { kind: 'pump_state'; deviceId: string; rwId: string; on: boolean; at: Date };

export type CommittedKind = CommittedEvent['kind'];
type EventOf<K extends CommittedKind> = Extract<CommittedEvent, { kind: K }>;
type Listener<K extends CommittedKind> = (event: EventOf<K>) => void | Promise<void>;

/**
 * In-process subscribers of committed events. Emitting never throws and never waits:
 * a subscriber's failure is logged and counted, and the device's acknowledgement does
 * not depend on it (what was stored stays stored; subscribers rebuild from the database).
 */
export class CommittedEvents {
	private listeners: { [K in CommittedKind]: Listener<K>[] } = { readings: [], panics: [], status: [], pump_state: [] };
	failures = 0;

	constructor(private readonly log: (message: string) => void = (m) => console.error(m)) {}

	/** Subscribes; returns the function that unsubscribes. */
	on<K extends CommittedKind>(kind: K, listener: Listener<K>): () => void {
		const list = this.listeners[kind] as Listener<K>[];
		list.push(listener);
		return () => {
			const i = list.indexOf(listener);
			if (i >= 0) list.splice(i, 1);
		};
	}

	emit<K extends CommittedKind>(event: EventOf<K>): void {
		for (const listener of this.listeners[event.kind as K] as Listener<K>[]) {
			try {
				const result = listener(event);
				if (result) result.catch((err: unknown) => this.failed(event.kind, err));
			} catch (err) {
				this.failed(event.kind, err);
			}
		}
	}

	private failed(kind: CommittedKind, err: unknown) {
		this.failures++;
		this.log(`committed-event subscriber (${kind}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
	}
}
