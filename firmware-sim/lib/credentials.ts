import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEVICE_ID, RW_CODE } from './topics';

export type DeviceKind = 'sensor' | 'panic' | 'pump';

export interface DeviceSpec {
	id: string;
	kind: DeviceKind;
	/** null: connect without credentials (broker with anonymous access). */
	secret: string | null;
}

export interface SensorSpec extends DeviceSpec {
	kind: 'sensor';
	reportIntervalS: number;
	mountingHeightCm: number;
	maxRangeCm: number;
	siaga3Cm: number;
	siaga2Cm: number;
	siaga1Cm: number;
}

export interface Fleet {
	rw: string;
	url: string | null;
	sensors: SensorSpec[];
	panic: DeviceSpec[];
	pumps: DeviceSpec[];
}

export type FleetCounts = { sensors?: number; panic?: number; pumps?: number };

const id = z.string().regex(DEVICE_ID, 'device id must match ^[a-z0-9][a-z0-9-]{2,39}$');
const secret = z.string().min(1);
const cm = z.number().positive().max(2000);
const sensorEntry = z
	.object({
		id,
		kind: z.literal('sensor'),
		secret,
		report_interval_s: z.number().int().min(1).max(86400).default(60),
		mounting_height_cm: cm,
		max_range_cm: cm.default(400),
		siaga3_cm: cm,
		siaga2_cm: cm,
		siaga1_cm: cm
	})
	// docs/domain.md, "Flood monitoring": Siaga 3 < Siaga 2 < Siaga 1.
	.refine((s) => s.siaga3_cm < s.siaga2_cm && s.siaga2_cm < s.siaga1_cm, { message: 'thresholds must rise: siaga3 < siaga2 < siaga1' });
const otherEntry = z.object({ id, kind: z.enum(['panic', 'pump']), secret });
const deviceFile = z.object({
	rw: z.string().regex(RW_CODE, 'rw must be one topic segment'),
	url: z.string().optional(),
	devices: z.array(z.union([sensorEntry, otherEntry]))
});

/** A generated sensor: example thresholds of a channel sensor. */
const DEFAULT_SENSOR = { reportIntervalS: 60, mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 150, siaga2Cm: 200, siaga1Cm: 250 };

/** Reads the credentials file the app's device registry exports. */
export async function loadDeviceFile(path: string): Promise<Fleet> {
	let json: unknown;
	try {
		json = JSON.parse(await readFile(path, 'utf8'));
	} catch (error) {
		throw new Error(`cannot read devices file ${path}: ${(error as Error).message}`, { cause: error });
	}
	const parsed = deviceFile.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`devices file ${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
	}
	const ids = new Set<string>();
	const fleet: Fleet = { rw: parsed.data.rw, url: parsed.data.url ?? null, sensors: [], panic: [], pumps: [] };
	for (const d of parsed.data.devices) {
		if (ids.has(d.id)) throw new Error(`devices file ${path}: device id ${d.id} appears twice`);
		ids.add(d.id);
		if (d.kind === 'sensor') {
			fleet.sensors.push({
				id: d.id,
				kind: 'sensor',
				secret: d.secret,
				reportIntervalS: d.report_interval_s,
				mountingHeightCm: d.mounting_height_cm,
				maxRangeCm: d.max_range_cm,
				siaga3Cm: d.siaga3_cm,
				siaga2Cm: d.siaga2_cm,
				siaga1Cm: d.siaga1_cm
			});
		} else {
			(d.kind === 'panic' ? fleet.panic : fleet.pumps).push({ id: d.id, kind: d.kind, secret: d.secret });
		}
	}
	return fleet;
}

/** The first N devices of each kind; all of a kind when its count is not given. */
export function selectDevices(fleet: Fleet, counts: FleetCounts): Fleet {
	const take = <T>(list: T[], n: number | undefined, what: string): T[] => {
		if (n === undefined) return list;
		if (n > list.length) throw new Error(`asked for ${n} ${what} but the devices file has only ${list.length}`);
		return list.slice(0, n);
	};
	return {
		...fleet,
		sensors: take(fleet.sensors, counts.sensors, 'sensors'),
		panic: take(fleet.panic, counts.panic, 'panic buttons'),
		pumps: take(fleet.pumps, counts.pumps, 'pumps')
	};
}

/** Devices without credentials (`sim-wl-01`, `sim-pb-01`, `sim-pump-01`, …). */
export function generateFleet(rw: string, counts: Required<FleetCounts>, prefix = 'sim'): Fleet {
	const name = (kind: string, i: number) => `${prefix}-${kind}-${String(i + 1).padStart(2, '0')}`;
	const ids = (kind: string, n: number) => Array.from({ length: n }, (_, i) => name(kind, i));
	for (const sample of [name('pump', 0), name('wl', 0)]) {
		if (!DEVICE_ID.test(sample)) throw new Error(`id prefix ${prefix} makes invalid device ids (${sample})`);
	}
	return {
		rw,
		url: null,
		sensors: ids('wl', counts.sensors).map((id) => ({ id, kind: 'sensor' as const, secret: null, ...DEFAULT_SENSOR })),
		panic: ids('pb', counts.panic).map((id) => ({ id, kind: 'panic' as const, secret: null })),
		pumps: ids('pump', counts.pumps).map((id) => ({ id, kind: 'pump' as const, secret: null }))
	};
}
