import { z } from 'zod';
import { optionalNumber } from './fields';

/** The device form (RW admin). Sensors need mounting height and Siaga 3 < 2 < 1 < max range. */
export const deviceSchema = z
	.object({
		id: z
			.string({ error: 'errors.required' })
			.trim()
			.toLowerCase()
			.regex(/^[a-z0-9][a-z0-9-]{2,39}$/, 'errors.device_id'),
		kind: z.enum(['sensor', 'panic', 'pump'], { error: 'errors.invalid_choice' }),
		name: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(80, 'errors.too_long'),
		rtId: z
			.string()
			.optional()
			.transform((v) => v || null)
			.pipe(z.uuid('errors.invalid_choice').nullable()),
		lat: optionalNumber(-90, 90),
		lng: optionalNumber(-180, 180),
		reportIntervalS: z.coerce.number({ error: 'errors.number_range' }).int('errors.number_range').min(5, 'errors.number_range').max(86400, 'errors.number_range').default(60),
		mountingHeightCm: optionalNumber(1, 2000),
		maxRangeCm: optionalNumber(1, 2000).transform((v) => v ?? 400),
		siaga3Cm: optionalNumber(1, 2000),
		siaga2Cm: optionalNumber(1, 2000),
		siaga1Cm: optionalNumber(1, 2000)
	})
	.superRefine((d, ctx) => {
		if (d.kind !== 'sensor') return;
		for (const field of ['mountingHeightCm', 'siaga3Cm', 'siaga2Cm', 'siaga1Cm'] as const) {
			if (d[field] === null) ctx.addIssue({ code: 'custom', path: [field], message: 'errors.required' });
		}
		if (d.siaga3Cm === null || d.siaga2Cm === null || d.siaga1Cm === null) return;
		// docs/domain.md, "Flood monitoring": Siaga 3 (waspada) < Siaga 2 (kritis) < Siaga 1 (bencana), all within the sensor's range.
		if (!(d.siaga3Cm < d.siaga2Cm)) ctx.addIssue({ code: 'custom', path: ['siaga2Cm'], message: 'errors.siaga_order' });
		if (!(d.siaga2Cm < d.siaga1Cm)) ctx.addIssue({ code: 'custom', path: ['siaga1Cm'], message: 'errors.siaga_order' });
		if (!(d.siaga1Cm < d.maxRangeCm)) ctx.addIssue({ code: 'custom', path: ['siaga1Cm'], message: 'errors.siaga_range' });
	})
	.transform((d) =>
		d.kind === 'sensor' ? d : { ...d, mountingHeightCm: null, siaga3Cm: null, siaga2Cm: null, siaga1Cm: null }
	);
