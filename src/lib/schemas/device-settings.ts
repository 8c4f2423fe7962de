import { z } from 'zod';
import { optionalNumber } from './fields';

const required = (min: number, max: number) =>
	optionalNumber(min, max).refine((v) => v !== null, 'errors.required').transform((v) => v!);

/**
 * A sensor's alarm settings (RW admin): Siaga 3 < Siaga 2 < Siaga 1 < the sensor's
 * maximum range (docs/domain.md, "Flood monitoring"), the rate of rise that warns even
 * below Siaga 3, and the report interval (the offline alarm waits 3 intervals).
 * `maxRangeCm` is the stored one, sent back by the form for the check.
 */
export const sensorSettingsSchema = z
	.object({
		siaga3Cm: required(1, 2000),
		siaga2Cm: required(1, 2000),
		siaga1Cm: required(1, 2000),
		riseLimitCmPer10Min: required(0.1, 500),
		reportIntervalS: z.coerce.number({ error: 'errors.number_range' }).int('errors.number_range').min(5, 'errors.number_range').max(86400, 'errors.number_range')
	})
	.superRefine((d, ctx) => {
		if (!(d.siaga3Cm < d.siaga2Cm)) ctx.addIssue({ code: 'custom', path: ['siaga2Cm'], message: 'errors.siaga_order' });
		if (!(d.siaga2Cm < d.siaga1Cm)) ctx.addIssue({ code: 'custom', path: ['siaga1Cm'], message: 'errors.siaga_order' });
	});

export type SensorSettingsInput = z.output<typeof sensorSettingsSchema>;

/** Silencing a faulty sensor's alarms until a WIB date and time, with a reason. */
export const silenceSchema = z.object({
	until: z
		.string({ error: 'errors.required' })
		.trim()
		.min(1, 'errors.required')
		// `datetime-local` gives `YYYY-MM-DDTHH:MM`, read as WIB (UTC+7, no daylight saving).
		.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'errors.datetime_invalid')
		.transform((v, ctx) => {
			const at = new Date(`${v}:00+07:00`);
			if (Number.isNaN(at.getTime())) {
				ctx.addIssue({ code: 'custom', message: 'errors.datetime_invalid' });
				return z.NEVER;
			}
			return at;
		}),
	reason: z.string({ error: 'errors.reason_short' }).trim().min(3, 'errors.reason_short').max(300, 'errors.too_long')
});
