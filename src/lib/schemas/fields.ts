import { z } from 'zod';
import { parseDate } from '$lib/domain/registry';
import { todayWib } from '$lib/domain/time';

/** A date as people write it (`31-01-1990`, `1990-01-31`…), not in the future; → `YYYY-MM-DD`. */
export const pastDate = () =>
	z
		.string({ error: 'errors.required' })
		.trim()
		.min(1, 'errors.required')
		.transform((v, ctx) => {
			const date = parseDate(v);
			if (!date || date > todayWib()) {
				ctx.addIssue({ code: 'custom', message: 'errors.date_invalid' });
				return z.NEVER;
			}
			return date;
		});

/** An optional number typed in a form (a decimal comma is accepted); empty → null. */
export const optionalNumber = (min: number, max: number) =>
	z
		.string()
		.trim()
		.optional()
		.transform((v, ctx) => {
			if (!v) return null;
			const n = Number(v.replace(',', '.'));
			if (!Number.isFinite(n) || n < min || n > max) {
				ctx.addIssue({ code: 'custom', message: 'errors.number_range' });
				return z.NEVER;
			}
			return n;
		});
