import { z } from 'zod';

/** Largest payload accepted on any device topic (docs/architecture.md, "The realtime path"). */
export const MAX_PAYLOAD_BYTES = 1024;

const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Changes at every restart of the device (boot counter or start time); seq may restart with it. */
const boot = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
const ts = z.string().max(40).optional();

// One schema per topic; unknown keys are ignored (firmware may add diagnostics).
export const sensorLevelSchema = z
	.object({
		distance_cm: z.number().min(0).max(2000).optional(),
		level_cm: z.number().min(-100).max(2000).optional(),
		ts,
		bat: z.number().min(0).max(6).optional(),
		seq,
		boot
	})
	.refine((p) => (p.distance_cm === undefined) !== (p.level_cm === undefined), { message: 'distance_cm or level_cm' });

export type SensorLevel = z.infer<typeof sensorLevelSchema>;

const safeCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const within = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && v >= min && v <= max;

/**
 * `sensorLevelSchema` for the usual message, without zod: the reading when every field
 * is one the schema accepts, otherwise null, and zod then decides (and says why). It
 * accepts nothing the schema refuses (schemas.spec.ts holds it to that). At full speed
 * zod's checks were ~5 % of an instance's main thread (bench:ingest-external).
 */
export function quickSensorLevel(json: unknown): SensorLevel | null {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
	const { distance_cm, level_cm, ts, bat, seq, boot } = json as Record<string, unknown>;
	if (!safeCount(seq) || (boot !== undefined && !safeCount(boot))) return null;
	if (distance_cm === undefined ? level_cm === undefined || !within(level_cm, -100, 2000) : level_cm !== undefined || !within(distance_cm, 0, 2000)) return null;
	if (bat !== undefined && !within(bat, 0, 6)) return null;
	if (ts !== undefined && (typeof ts !== 'string' || ts.length > 40)) return null;
	return { distance_cm: distance_cm as number | undefined, level_cm: level_cm as number | undefined, ts, bat, seq, boot };
}

export const panicSchema = z.object({ ts, seq, boot });

export const pumpStateSchema = z.object({ on: z.boolean(), ts, seq, boot });

export const statusSchema = z.enum(['online', 'offline']);

export type RejectReason =
	| 'oversized'
	| 'bad_json'
	| 'bad_fields'
	| 'out_of_range'
	| 'unknown_topic'
	| 'forbidden_topic'
	| 'reserved_topic'
	| 'unknown_device'
	| 'store_failed';

/** Range violations are told apart from wrong shapes in the counters. */
export function reasonOf(error: z.ZodError): RejectReason {
	return error.issues.every((i) => i.code === 'too_small' || i.code === 'too_big') ? 'out_of_range' : 'bad_fields';
}

/**
 * The device's clock: accepted within the window (a replay after a long outage
 * is old but genuine, up to maxAgeMs); otherwise server time with clock_skew.
 */
export function resolveTimestamp(raw: string | undefined, now: number, futureMs: number, maxAgeMs: number): { ts: Date; skew: boolean } {
	if (raw === undefined) return { ts: new Date(now), skew: false };
	const t = Date.parse(raw);
	if (!Number.isFinite(t) || t > now + futureMs || t < now - maxAgeMs) return { ts: new Date(now), skew: true };
	return { ts: new Date(t), skew: false };
}
