import type { ExternalLinkStats } from '../mqtt/external';
import type { RejectReason } from './schemas';

/**
 * Ingest counters, exposed at /metrics in the Prometheus text format: messages in,
 * accepted, duplicates, rejected by reason and device, refused connections, batch
 * sizes and ingest lag (publish → stored).
 */
export class IngestMetrics {
	messagesIn = 0;
	accepted = 0;
	duplicates = 0;
	/** Batches whose first write (COPY, or the plain insert) met a stored reading and were written again by the statement (writer.ts). */
	copyFallbacks = 0;
	refusedConnections = 0;
	/** Messages the database refused repeatedly, kept in ingest_dead_letter and acknowledged. */
	deadLetters = 0;
	/** The external broker link's counters (MQTT_URL mode), set by the link. */
	external: (() => ExternalLinkStats) | null = null;
	private rejected = new Map<string, number>();
	private refusedByReason = new Map<string, number>();
	private lag = { count: 0, sumMs: 0, maxMs: 0 };

	reject(reason: RejectReason, device: string | null): void {
		const key = `${reason}\u0000${device ?? ''}`;
		this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1);
	}

	refuse(reason: string): void {
		this.refusedConnections++;
		this.refusedByReason.set(reason, (this.refusedByReason.get(reason) ?? 0) + 1);
	}

	observeLag(ms: number): void {
		this.lag.count++;
		this.lag.sumMs += ms;
		this.lag.maxMs = Math.max(this.lag.maxMs, ms);
	}

	rejectedTotal(reason?: RejectReason): number {
		let n = 0;
		for (const [key, count] of this.rejected) if (!reason || key.startsWith(`${reason}\u0000`)) n += count;
		return n;
	}

	/** Rejected messages per device since start (the security post's health table). */
	rejectedByDevice(): Record<string, number> {
		const out: Record<string, number> = {};
		for (const [key, count] of this.rejected) {
			const device = key.slice(key.indexOf('\u0000') + 1);
			if (device) out[device] = (out[device] ?? 0) + count;
		}
		return out;
	}

	render(
		batches: { batches: number; items: number; maxBatch: number; lastBatch: number; writeMs: number },
		rollups: { flushes: number; failures: number; batchesDiscarded: number; batchesRecovered: number; batchesWaiting: number }
	): string {
		const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
		const lines = [
			...metric('rukun_mqtt_messages_in_total', 'counter', 'Device messages received.', this.messagesIn),
			...metric('rukun_mqtt_messages_accepted_total', 'counter', 'Device messages stored.', this.accepted),
			...metric('rukun_mqtt_messages_duplicate_total', 'counter', 'Messages ignored as repeats of a stored (device, seq).', this.duplicates),
			...header('rukun_mqtt_messages_rejected_total', 'counter', 'Messages dropped, by reason and device.')
		];
		for (const [key, count] of this.rejected) {
			const [reason, device] = key.split('\u0000');
			lines.push(`rukun_mqtt_messages_rejected_total{reason="${esc(reason!)}",device="${esc(device!)}"} ${count}`);
		}
		lines.push(...header('rukun_mqtt_connections_refused_total', 'counter', 'Connections refused, by reason.'));
		for (const [reason, count] of this.refusedByReason) lines.push(`rukun_mqtt_connections_refused_total{reason="${esc(reason)}"} ${count}`);
		lines.push(
			...metric('rukun_ingest_batches_total', 'counter', 'Group-commit batches written.', batches.batches),
			...metric(
				'rukun_ingest_copy_fallbacks_total',
				'counter',
				'Batches whose first write (COPY, or the plain insert on PostgreSQL) met an already stored reading and were written again, skipping duplicates.',
				this.copyFallbacks
			),
			...metric(
				'rukun_ingest_dead_letters_total',
				'counter',
				'Messages the database refused for their data three times, kept in ingest_dead_letter and acknowledged.',
				this.deadLetters
			),
			...metric('rukun_ingest_batch_rows_max', 'gauge', 'Largest batch so far.', batches.maxBatch),
			...metric('rukun_ingest_batch_rows_last', 'gauge', 'Size of the last batch.', batches.lastBatch),
			...metric('rukun_ingest_write_seconds_total', 'counter', 'Time batches spent being written (the database and the wait for it).', batches.writeMs / 1000),
			...header('rukun_ingest_lag_ms', 'summary', 'Device timestamp to stored, milliseconds.'),
			`rukun_ingest_lag_ms_sum ${this.lag.sumMs}`,
			`rukun_ingest_lag_ms_count ${this.lag.count}`,
			`rukun_ingest_lag_ms_max ${this.lag.maxMs}`,
			...metric('rukun_rollup_flushes_total', 'counter', 'Once-a-second writes of the minute/hour rollups and last-seen.', rollups.flushes),
			...metric('rukun_rollup_flush_failures_total', 'counter', 'Rollup writes that failed; their sums are kept for the next one.', rollups.failures),
			...metric('rukun_rollup_batches_waiting', 'gauge', 'Raw batches stored whose sums are not written yet.', rollups.batchesWaiting),
			...metric('rukun_rollup_batches_recovered_total', 'counter', 'Stale batches folded into the rollups from the raw readings.', rollups.batchesRecovered),
			...metric(
				'rukun_rollup_batches_discarded_total',
				'counter',
				'Batches whose in-memory sums were dropped because recovery had folded them.',
				rollups.batchesDiscarded
			)
		);
		const link = this.external?.();
		if (link) {
			lines.push(
				...metric('rukun_mqtt_external_pubacks_total', 'counter', 'PUBACKs sent to the external broker, each after its message was stored.', link.acked),
				...metric('rukun_mqtt_external_puback_writes_total', 'counter', 'Socket writes that carried them.', link.ackWrites),
				...metric('rukun_mqtt_external_unacked', 'gauge', 'Messages received from the external broker and not acknowledged yet.', link.pendingAcks),
				...metric('rukun_mqtt_external_unacked_max', 'gauge', 'Most unacknowledged messages at once since start.', link.maxPendingAcks),
				...metric(
					'rukun_mqtt_external_holds_total',
					'counter',
					'Times the app stopped reading because MQTT_RECEIVE_MAXIMUM messages were unacknowledged (the broker sent more than its Receive Maximum).',
					link.holds
				),
				...metric('rukun_mqtt_external_connects_total', 'counter', 'Connections made to the external broker.', link.connects),
				...metric('rukun_mqtt_external_store_retries_total', 'counter', 'Failed writes retried (their PUBACKs wait).', link.storeRetries)
			);
		}
		return `${lines.join('\n')}\n`;
	}
}

/** The HELP and TYPE lines of one metric (Prometheus text format). */
export function header(name: string, type: 'counter' | 'gauge' | 'summary', help: string): string[] {
	return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** A metric without labels: its HELP and TYPE lines and its value. */
export function metric(name: string, type: 'counter' | 'gauge', help: string, value: number): string[] {
	return [...header(name, type, help), `${name} ${value}`];
}
