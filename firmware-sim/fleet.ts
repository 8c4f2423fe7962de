import { BAD_KINDS } from './lib/bad';
import { SimClock, type TsMode } from './lib/clock';
import type { Fleet } from './lib/credentials';
import type { Scenario } from './lib/scenario';
import { formatStatus, sumStats, type DeviceStats } from './lib/stats';
import type { DeviceContext, SimDevice } from './devices/device';
import { PanicButton } from './devices/panic';
import { Pump } from './devices/pump';
import { Sensor } from './devices/sensor';

export interface RunOptions {
	url: string;
	fleet: Fleet;
	scenario: Scenario;
	speed: number;
	seed: number;
	/** Simulated minutes. */
	durationMin: number;
	dropRate: number;
	/** Presses per button per simulated hour; null = the scenario's rate. */
	panicRatePerH: number | null;
	/** `--bad`: probability per report of one bad message; 0 = off. */
	badRate: number;
	/** End with dead sockets (LWT) instead of clean DISCONNECTs. */
	kill: boolean;
	tsMode: TsMode;
	bufferCapacity: number;
	seqStart: number;
	/** Sent as `boot` with every message (DeviceContext.boot). */
	boot?: number;
	reconnectMs: number;
	statusEveryS: number;
	log: (line: string) => void;
}

/** The devices of one run: sensors get the scenario's faults by position (1-based). */
export function buildDevices(o: RunOptions, clock: SimClock): SimDevice[] {
	const ctx: DeviceContext = {
		url: o.url,
		rw: o.fleet.rw,
		clock,
		seed: o.seed,
		bufferCapacity: o.bufferCapacity,
		reconnectMs: o.reconnectMs,
		seqStart: o.seqStart,
		boot: o.boot
	};
	for (const f of o.scenario.faults) {
		if (f.sensor > o.fleet.sensors.length) o.log(`note: scenario fault ${f.kind} is for sensor ${f.sensor}, but only ${o.fleet.sensors.length} run`);
	}
	const sensors = o.fleet.sensors.map(
		(spec, i, all) =>
			new Sensor(spec, ctx, {
				scenario: o.scenario,
				fault: o.scenario.faults.find((f) => f.sensor === i + 1) ?? null,
				dropRate: o.dropRate,
				badRate: o.badRate,
				peerId: all.length > 1 ? all[(i + 1) % all.length]!.id : undefined
			})
	);
	const ratePerHour = o.panicRatePerH ?? o.scenario.panic_rate_per_h;
	const panic = o.fleet.panic.map((spec) => new PanicButton(spec, ctx, { ratePerHour }));
	const pumps = o.fleet.pumps.map((spec) => new Pump(spec, ctx));
	return [...sensors, ...panic, ...pumps];
}

const view = (devices: SimDevice[], clock: SimClock) => ({
	simMs: clock.elapsedSimMs(),
	devices: devices.length,
	connected: devices.filter((d) => d.connected).length,
	pending: devices.reduce((n, d) => n + d.pending, 0),
	stats: sumStats(devices.map((d) => d.stats))
});

/** Runs the fleet until the duration has passed or `signal` aborts; returns the totals. */
export async function runFleet(o: RunOptions, signal?: AbortSignal): Promise<DeviceStats> {
	const clock = new SimClock(o.speed, o.tsMode);
	const devices = buildDevices(o, clock);
	o.log(
		`${devices.length} devices of ${o.fleet.rw} → ${o.url}: scenario ${o.scenario.name}, ${o.durationMin} simulated min at ×${o.speed} (${(clock.toRealMs(o.durationMin * 60_000) / 1000).toFixed(1)} s), seed ${o.seed}`
	);
	for (const d of devices) d.start();
	const status = setInterval(() => o.log(formatStatus(view(devices, clock))), o.statusEveryS * 1000);
	await new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, clock.toRealMs(o.durationMin * 60_000));
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});
	clearInterval(status);
	const final = view(devices, clock);
	await Promise.all(devices.map((d) => (o.kill ? d.kill() : d.stop())));
	o.log(formatStatus(final));
	o.log(summary(final.stats, final.pending, devices.length, clock, o.kill));
	return final.stats;
}

function summary(s: DeviceStats, pending: number, n: number, clock: SimClock, killed: boolean): string {
	const bad = BAD_KINDS.filter((k) => s.bad[k] > 0).map((k) => `${k} ${s.bad[k]}`);
	return [
		`summary: ${n} devices, ${(clock.elapsedSimMs() / 60_000).toFixed(1)} simulated min, ended ${killed ? 'abruptly (LWT)' : 'with DISCONNECT'}`,
		`  sent:       readings ${s.readings}, presses ${s.presses}, pump commands obeyed ${s.commands} (ignored ${s.badCommands})`,
		`  delivery:   acked ${s.acked}, not delivered ${pending}, buffered offline ${s.buffered}, replayed ${s.replayed}, lost to full buffer ${s.overflow}`,
		`  connection: connects ${s.connects}, disconnects ${s.disconnects} (simulated drops ${s.drops}), connect errors ${s.connectErrors}`,
		`  bad:        ${bad.length ? bad.join(', ') : 'none'}`
	].join('\n');
}
