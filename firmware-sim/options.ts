import { parseArgs } from 'node:util';
import type { TsMode } from './lib/clock';

export const USAGE = `Rukun device simulator: plays the sensors, panic buttons and pumps of one RW.

  npm run sim -- [options]

  --url <url>          broker (default: the devices file's url, else mqtt://localhost:1883)
  --devices <file>     credentials exported by the device registry (without it: generated ids, no credentials)
  --rw <code>          RW code without --devices (default RW012)
  --id-prefix <p>      generated ids <p>-wl-01, <p>-pb-01, <p>-pump-01 (default sim)
  --sensors <n>        first n sensors of the file (default: all; generated: 5)
  --panic <n>          first n panic buttons (default: all; generated: 0)
  --pumps <n>          first n pumps (default: all; generated: 0)
  --scenario <name>    calm | rain | sensor-fails, or a path to a scenario JSON (default calm)
  --speed <x>          simulated time per real time: 60 = one simulated minute per second (default 1)
  --seed <n>           random seed; the same seed gives the same readings (default 1)
  --duration <d>       simulated run length: 90 or 90m, 5400s, 1.5h (default: the scenario's)
  --drop-rate <p>      probability per report that a device loses the network for 1-5 intervals (default 0)
  --panic-rate <r>     presses per button per simulated hour (default: the scenario's)
  --bad                also send bad messages (malformed JSON, wrong types, out of range, oversized, foreign topics)
  --bad-rate <p>       with --bad: probability per report of one bad message (default 0.1)
  --kill               end with dead sockets, so the broker publishes every LWT
  --clock <real|sim>   payload ts: wall clock (default) or simulated time
  --buffer <n>         offline buffer per device, oldest dropped when full (default 1000)
  --seq-start <n>      first seq (default 1)
  --boot <n>           boot id sent with every message, as firmware sends its boot counter: the server
                       keeps a seq that restarted under a new boot (default: the current unix time,
                       so each start of the simulator is a new boot)
  --reconnect-ms <n>   real ms between reconnect attempts (default 1000)
  --status <s>         real seconds between status lines (default 5)
  --press <id>         press panic button <id> once, wait for the PUBACK, and exit
  --help`;

export interface CliOptions {
	url: string | null;
	devices: string | null;
	rw: string;
	idPrefix: string;
	sensors: number | undefined;
	panic: number | undefined;
	pumps: number | undefined;
	scenario: string;
	speed: number;
	seed: number;
	durationMin: number | null;
	dropRate: number;
	panicRatePerH: number | null;
	badRate: number;
	kill: boolean;
	tsMode: TsMode;
	bufferCapacity: number;
	seqStart: number | null;
	boot: number;
	reconnectMs: number;
	statusEveryS: number;
	press: string | null;
	help: boolean;
}

const str = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

function num(name: string, raw: string | undefined, min: number, max = Infinity, integer = false): number | undefined {
	if (raw === undefined) return undefined;
	const value = Number(raw);
	if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
		const range = max === Infinity ? `≥ ${min}` : `${min}–${max}`;
		throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} ${range}, got "${raw}"`);
	}
	return value;
}

/** `90`, `90m`, `5400s`, `1.5h` → simulated minutes. */
export function parseDuration(raw: string): number {
	const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(raw.trim());
	const value = match ? Number(match[1]) : NaN;
	if (!match || !(value > 0)) throw new Error(`--duration must look like 90, 90m, 5400s or 1.5h, got "${raw}"`);
	return match[2] === 's' ? value / 60 : match[2] === 'h' ? value * 60 : value;
}

/** Parses the command line; throws an Error with a message for the user on bad input. */
export function parseCli(args: string[]): CliOptions {
	const { values: v } = parseArgs({
		args,
		strict: true,
		allowPositionals: false,
		options: {
			url: str, devices: str, rw: str, 'id-prefix': str, sensors: str, panic: str, pumps: str,
			scenario: str, speed: str, seed: str, duration: str, 'drop-rate': str, 'panic-rate': str,
			bad: flag, 'bad-rate': str, kill: flag, clock: str, buffer: str, 'seq-start': str, boot: str,
			'reconnect-ms': str, status: str, press: str, help: flag
		}
	});
	if (v.clock !== undefined && v.clock !== 'real' && v.clock !== 'sim') throw new Error(`--clock must be real or sim, got "${v.clock}"`);
	if (v['bad-rate'] !== undefined && !v.bad) throw new Error('--bad-rate needs --bad');
	if (v.devices !== undefined && v.rw !== undefined) throw new Error('--rw is for generated devices; the devices file names its RW');
	return {
		url: v.url ?? null,
		devices: v.devices ?? null,
		rw: v.rw ?? 'RW012',
		idPrefix: v['id-prefix'] ?? 'sim',
		sensors: num('sensors', v.sensors, 0, 100_000, true),
		panic: num('panic', v.panic, 0, 100_000, true),
		pumps: num('pumps', v.pumps, 0, 100_000, true),
		scenario: v.scenario ?? 'calm',
		speed: num('speed', v.speed, 0.001, 1_000_000) ?? 1,
		seed: num('seed', v.seed, 0, 2 ** 32 - 1, true) ?? 1,
		durationMin: v.duration === undefined ? null : parseDuration(v.duration),
		dropRate: num('drop-rate', v['drop-rate'], 0, 1) ?? 0,
		panicRatePerH: num('panic-rate', v['panic-rate'], 0) ?? null,
		badRate: v.bad ? (num('bad-rate', v['bad-rate'], 0, 1) ?? 0.1) : 0,
		kill: v.kill ?? false,
		tsMode: v.clock ?? 'real',
		bufferCapacity: num('buffer', v.buffer, 1, 10_000_000, true) ?? 1000,
		seqStart: num('seq-start', v['seq-start'], 0, Number.MAX_SAFE_INTEGER, true) ?? null,
		boot: num('boot', v.boot, 0, Number.MAX_SAFE_INTEGER, true) ?? Math.floor(Date.now() / 1000),
		reconnectMs: num('reconnect-ms', v['reconnect-ms'], 1, 3_600_000, true) ?? 1000,
		statusEveryS: num('status', v.status, 0.1, 3600) ?? 5,
		press: v.press ?? null,
		help: v.help ?? false
	};
}
