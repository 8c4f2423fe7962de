import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export type FaultKind = 'stops' | 'stuck' | 'battery_dies';

const keyframe = z.tuple([z.number().min(0), z.number()]);
const fault = z.object({
	/** 1-based position among the simulated sensors. */
	sensor: z.number().int().min(1),
	kind: z.enum(['stops', 'stuck', 'battery_dies']),
	at_min: z.number().min(0).default(0),
	/** battery_dies: extra drain in volts per simulated hour. */
	drain_v_per_h: z.number().positive().default(1.5)
});
const scenarioFile = z.object({
	name: z.string(),
	description: z.string(),
	/** `cm`: keyframe levels in cm. `stage`: 0 = dry, 1 = Siaga 3, 2 = Siaga 2, 3 = Siaga 1 of each sensor. */
	unit: z.enum(['cm', 'stage']),
	duration_min: z.number().positive(),
	/** [simulated minute, level]; interpolated linearly, held flat after the last one. */
	keyframes: z
		.array(keyframe)
		.min(1)
		.refine((k) => k.every((f, i) => i === 0 || f[0] > (k[i - 1]?.[0] ?? -1)), { message: 'keyframe minutes must increase' }),
	noise_cm: z.number().min(0).default(0.5),
	bad_echo_rate: z.number().min(0).max(1).default(0.01),
	battery_drain_v_per_h: z.number().min(0).default(0.002),
	/** Presses per panic button per simulated hour (overridden by --panic-rate). */
	panic_rate_per_h: z.number().min(0).default(0),
	faults: z.array(fault).default([])
});

export type Scenario = z.infer<typeof scenarioFile>;
export type Fault = Scenario['faults'][number];

export interface Thresholds {
	siaga3Cm: number;
	siaga2Cm: number;
	siaga1Cm: number;
}

export const SCENARIO_DIR = new URL('../scenarios/', import.meta.url);

/** A scenario by name (`rain` → scenarios/rain.json) or by path to a JSON file. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
	const file = /^[a-z0-9-]+$/.test(nameOrPath) ? new URL(`${nameOrPath}.json`, SCENARIO_DIR) : nameOrPath;
	let json: unknown;
	try {
		json = JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		throw new Error(`cannot read scenario ${nameOrPath}: ${(error as Error).message}`, { cause: error });
	}
	const parsed = scenarioFile.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`scenario ${nameOrPath}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
	}
	return parsed.data;
}

/** Linear interpolation between keyframes; flat before the first and after the last. */
export function interpolate(keyframes: ReadonlyArray<readonly [number, number]>, minute: number): number {
	const first = keyframes[0];
	if (!first) throw new Error('no keyframes');
	if (minute <= first[0]) return first[1];
	for (let i = 1; i < keyframes.length; i++) {
		const [m1, v1] = keyframes[i]!;
		const [m0, v0] = keyframes[i - 1]!;
		if (minute <= m1) return v0 + ((v1 - v0) * (minute - m0)) / (m1 - m0);
	}
	return keyframes[keyframes.length - 1]![1];
}

/** Stage → cm on one sensor's thresholds; above Siaga 1 the last step's slope continues. */
export function stageToCm(stage: number, t: Thresholds): number {
	const points = [0, t.siaga3Cm, t.siaga2Cm, t.siaga1Cm];
	if (stage <= 0) return 0;
	if (stage >= 3) return t.siaga1Cm + (stage - 3) * (t.siaga1Cm - t.siaga2Cm);
	const i = Math.floor(stage);
	const low = points[i]!;
	return low + (points[i + 1]! - low) * (stage - i);
}

/** The true water level (cm above the channel bottom) at a simulated minute. */
export function levelAt(scenario: Scenario, minute: number, t: Thresholds): number {
	const value = interpolate(scenario.keyframes, minute);
	return scenario.unit === 'cm' ? value : stageToCm(value, t);
}
