import { describe, expect, it } from 'vitest';
import { quickSensorLevel, sensorLevelSchema } from './schemas';

// Undefined fields left out, as zod leaves them out.
const defined = (o: object | null) => (o === null ? null : Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));

const ACCEPTED = [
	{ distance_cm: 150, ts: '2026-12-07T10:00:00.000Z', bat: 3.9, seq: 1 },
	{ level_cm: -100, seq: 0, boot: 7 },
	{ level_cm: 2000, seq: Number.MAX_SAFE_INTEGER },
	{ distance_cm: 0, seq: 5, bat: 0, extra: 'firmware diagnostics' },
	{ distance_cm: 2000, seq: 5, bat: 6, ts: 'x'.repeat(40) }
];
const REFUSED: unknown[] = [
	null,
	[],
	[{ distance_cm: 1, seq: 1 }],
	'text',
	42,
	{},
	{ distance_cm: 150 },
	{ distance_cm: 150, level_cm: 10, seq: 1 },
	{ seq: 1 },
	{ distance_cm: -0.5, seq: 1 },
	{ distance_cm: 2000.5, seq: 1 },
	{ distance_cm: '150', seq: 1 },
	{ distance_cm: null, level_cm: 10, seq: 1 },
	{ level_cm: -100.5, seq: 1 },
	{ level_cm: 2001, seq: 1 },
	{ level_cm: Infinity, seq: 1 },
	{ distance_cm: 150, seq: -1 },
	{ distance_cm: 150, seq: 1.5 },
	{ distance_cm: 150, seq: Number.MAX_SAFE_INTEGER + 1 },
	{ distance_cm: 150, seq: '1' },
	{ distance_cm: 150, seq: 1, boot: -1 },
	{ distance_cm: 150, seq: 1, boot: 0.5 },
	{ distance_cm: 150, seq: 1, boot: null },
	{ distance_cm: 150, seq: 1, bat: 6.01 },
	{ distance_cm: 150, seq: 1, bat: -1 },
	{ distance_cm: 150, seq: 1, bat: '3.9' },
	{ distance_cm: 150, seq: 1, ts: 'x'.repeat(41) },
	{ distance_cm: 150, seq: 1, ts: 1700000000 }
];

describe('quickSensorLevel', () => {
	it('accepts the usual readings exactly as the schema parses them', () => {
		for (const json of ACCEPTED) {
			const parsed = sensorLevelSchema.safeParse(json);
			expect(parsed.success, JSON.stringify(json)).toBe(true);
			expect(defined(quickSensorLevel(json)), JSON.stringify(json)).toEqual(parsed.data);
		}
	});

	it('accepts nothing the schema refuses (zod then says why)', () => {
		for (const json of REFUSED) {
			expect(sensorLevelSchema.safeParse(json).success, JSON.stringify(json)).toBe(false);
			expect(quickSensorLevel(json), JSON.stringify(json)).toBeNull();
		}
	});
});
