// The app's runtime in this process as a target of the raw-socket generator
// (bench/ingest/runner.ts): its sensor fleet publishes levels below their thresholds,
// and each sample reads the ingest's own counters and this process's CPU.
import { topics } from '../../src/lib/server/mqtt/topics';
import type { Runtime } from '../../src/lib/server/runtime';
import type { Target } from '../ingest/targets';

export function runtimeTarget(runtime: Runtime, rwCode: string, fleet: { id: string; secret: string }[]): Target {
	const ownCpu = () => {
		const u = process.cpuUsage();
		return (u.user + u.system) / 1e6;
	};
	return {
		name: 'rukun runtime',
		port: runtime.broker.tcpPort!,
		pid: process.pid,
		conns: (count) =>
			Array.from({ length: count }, (_, i) => {
				const d = fleet[i % fleet.length]!;
				return { clientId: d.id, username: d.id, password: d.secret, topic: topics.sensorLevel(rwCode, d.id), distanceCm: 150 + (i % 50) };
			}),
		sample: () => ({
			at: performance.now(),
			cpuSeconds: ownCpu(),
			accepted: runtime.ingest.metrics.accepted,
			batches: runtime.ingest.readings.stats.batches,
			batchItems: runtime.ingest.readings.stats.items,
			writeCalls: null,
			writeMs: null
		}),
		close: async () => {}
	};
}
