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
	refusedConnections = 0;
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

	render(
		batches: { batches: number; items: number; maxBatch: number; lastBatch: number },
		rollups: { flushes: number; failures: number; batchesDiscarded: number; batchesRecovered: number; batchesWaiting: number }
	): string {
		const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
		const lines = [
			'# HELP rukun_mqtt_messages_in_total Device messages received.',
			'# TYPE rukun_mqtt_messages_in_total counter',
			`rukun_mqtt_messages_in_total ${this.messagesIn}`,
			'# HELP rukun_mqtt_messages_accepted_total Device messages stored.',
			'# TYPE rukun_mqtt_messages_accepted_total counter',
			`rukun_mqtt_messages_accepted_total ${this.accepted}`,
			'# HELP rukun_mqtt_messages_duplicate_total Messages ignored as repeats of a stored (device, seq).',
			'# TYPE rukun_mqtt_messages_duplicate_total counter',
			`rukun_mqtt_messages_duplicate_total ${this.duplicates}`,
			'# HELP rukun_mqtt_messages_rejected_total Messages dropped, by reason and device.',
			'# TYPE rukun_mqtt_messages_rejected_total counter'
		];
		for (const [key, count] of this.rejected) {
			const [reason, device] = key.split('\u0000');
			lines.push(`rukun_mqtt_messages_rejected_total{reason="${esc(reason!)}",device="${esc(device!)}"} ${count}`);
		}
		lines.push('# HELP rukun_mqtt_connections_refused_total Connections refused, by reason.', '# TYPE rukun_mqtt_connections_refused_total counter');
		for (const [reason, count] of this.refusedByReason) lines.push(`rukun_mqtt_connections_refused_total{reason="${esc(reason)}"} ${count}`);
		lines.push(
			'# HELP rukun_ingest_batches_total Group-commit batches written.',
			'# TYPE rukun_ingest_batches_total counter',
			`rukun_ingest_batches_total ${batches.batches}`,
			'# HELP rukun_ingest_batch_rows_max Largest batch so far.',
			'# TYPE rukun_ingest_batch_rows_max gauge',
			`rukun_ingest_batch_rows_max ${batches.maxBatch}`,
			'# HELP rukun_ingest_batch_rows_last Size of the last batch.',
			'# TYPE rukun_ingest_batch_rows_last gauge',
			`rukun_ingest_batch_rows_last ${batches.lastBatch}`,
			'# HELP rukun_ingest_lag_ms Device timestamp to stored, milliseconds.',
			'# TYPE rukun_ingest_lag_ms summary',
			`rukun_ingest_lag_ms_sum ${this.lag.sumMs}`,
			`rukun_ingest_lag_ms_count ${this.lag.count}`,
			`rukun_ingest_lag_ms_max ${this.lag.maxMs}`,
			'# HELP rukun_rollup_flushes_total Once-a-second writes of the minute/hour rollups and last-seen.',
			'# TYPE rukun_rollup_flushes_total counter',
			`rukun_rollup_flushes_total ${rollups.flushes}`,
			'# HELP rukun_rollup_flush_failures_total Rollup writes that failed; their sums are kept for the next one.',
			'# TYPE rukun_rollup_flush_failures_total counter',
			`rukun_rollup_flush_failures_total ${rollups.failures}`,
			'# HELP rukun_rollup_batches_waiting Raw batches stored whose sums are not written yet.',
			'# TYPE rukun_rollup_batches_waiting gauge',
			`rukun_rollup_batches_waiting ${rollups.batchesWaiting}`,
			'# HELP rukun_rollup_batches_recovered_total Stale batches folded into the rollups from the raw readings.',
			'# TYPE rukun_rollup_batches_recovered_total counter',
			`rukun_rollup_batches_recovered_total ${rollups.batchesRecovered}`,
			'# HELP rukun_rollup_batches_discarded_total Batches whose in-memory sums were dropped because recovery had folded them.',
			'# TYPE rukun_rollup_batches_discarded_total counter',
			`rukun_rollup_batches_discarded_total ${rollups.batchesDiscarded}`
		);
		return `${lines.join('\n')}\n`;
	}
}
