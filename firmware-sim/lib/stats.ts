import { BAD_KINDS, type BadKind } from './bad';

/** Counters one device keeps; the fleet adds them up for the status line. */
export interface DeviceStats {
	/** Sensor readings measured (valid ones; bad messages are counted in `bad`). */
	readings: number;
	presses: number;
	/** Pump commands obeyed, and ones ignored because they did not parse. */
	commands: number;
	badCommands: number;
	/** QoS 1 messages (readings, presses, pump states, bad payloads) the broker acknowledged. */
	acked: number;
	/** Messages queued while disconnected, and how many of those were delivered after reconnecting. */
	buffered: number;
	replayed: number;
	/** Oldest messages dropped because the offline buffer was full. */
	overflow: number;
	connects: number;
	disconnects: number;
	/** Disconnects the simulator caused (`--drop-rate`). */
	drops: number;
	connectErrors: number;
	/** QoS 0 messages whose write failed. */
	sendErrors: number;
	bad: Record<BadKind, number>;
}

export function newStats(): DeviceStats {
	return {
		readings: 0,
		presses: 0,
		commands: 0,
		badCommands: 0,
		acked: 0,
		buffered: 0,
		replayed: 0,
		overflow: 0,
		connects: 0,
		disconnects: 0,
		drops: 0,
		connectErrors: 0,
		sendErrors: 0,
		bad: Object.fromEntries(BAD_KINDS.map((k) => [k, 0])) as Record<BadKind, number>
	};
}

export function sumStats(all: readonly DeviceStats[]): DeviceStats {
	const total = newStats();
	for (const s of all) {
		for (const key of Object.keys(total) as (keyof DeviceStats)[]) {
			if (key !== 'bad') total[key] += s[key];
		}
		for (const kind of BAD_KINDS) total.bad[kind] += s.bad[kind];
	}
	return total;
}

const SHORT: Record<BadKind, string> = {
	bad_json: 'json',
	bad_fields: 'fields',
	out_of_range: 'range',
	oversized: 'big',
	foreign_device: 'dev',
	foreign_rw: 'rw',
	reserved_topic: 'sys'
};

const clock = (simMs: number) => {
	const s = Math.floor(simMs / 1000);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
};

export interface FleetView {
	simMs: number;
	devices: number;
	connected: number;
	/** Messages waiting to be delivered right now, in flight included. */
	pending: number;
	stats: DeviceStats;
}

/** One compact line, e.g. `sim 00:42:00 | up 26/26 | readings 1040 acked 1038 pending 2 | …`. */
export function formatStatus(v: FleetView): string {
	const s = v.stats;
	const parts = [
		`sim ${clock(v.simMs)}`,
		`up ${v.connected}/${v.devices}`,
		`readings ${s.readings} presses ${s.presses} cmds ${s.commands}`,
		`acked ${s.acked} pending ${v.pending}`,
		`buffered ${s.buffered} replayed ${s.replayed} lost ${s.overflow}`,
		`drops ${s.drops} down ${s.disconnects}${s.connectErrors ? ` errors ${s.connectErrors}` : ''}`
	];
	const bad = BAD_KINDS.filter((k) => s.bad[k] > 0).map((k) => `${SHORT[k]} ${s.bad[k]}`);
	if (bad.length) parts.push(`bad ${bad.join(' ')}`);
	return parts.join(' | ');
}
