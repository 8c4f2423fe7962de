import { z } from 'zod';
import { parseDate } from '$lib/domain/registry';
import { FIELD_TYPES, STANDARD_PLACEHOLDERS, type ServiceField } from '$lib/domain/letter-forms';
import { numberFormatProblem } from '$lib/domain/letter-number';
import { SKM_ELEMENTS, templatePlaceholders } from '$lib/domain/letters';

/** Messages are i18n keys (docs/conventions.md): the form shows them in the reader's language. */

const MAX_BY_TYPE = { text: 200, textarea: 500, date: 10, number: 9 } as const;

/**
 * One schema for a service's request form, built from its field definitions: the
 * same rules whether the resident saves a draft (`partial`) or submits.
 */
export function requestDataSchema(fields: readonly ServiceField[], mode: 'submit' | 'draft' = 'submit') {
	const shape: Record<string, z.ZodType<string>> = {};
	for (const field of fields) {
		shape[field.key] = z
			.string()
			.optional()
			.transform((raw, ctx) => {
				const v = (raw ?? '').trim();
				if (v === '') {
					if (field.required && mode === 'submit') ctx.addIssue({ code: 'custom', message: 'errors.required' });
					return '';
				}
				if (v.length > MAX_BY_TYPE[field.type] && field.type !== 'date') {
					ctx.addIssue({ code: 'custom', message: 'errors.too_long' });
					return z.NEVER;
				}
				if (field.type === 'date') {
					const date = parseDate(v);
					if (!date) {
						ctx.addIssue({ code: 'custom', message: 'errors.date_invalid' });
						return z.NEVER;
					}
					return date;
				}
				if (field.type === 'number' && !/^\d{1,9}$/.test(v)) {
					ctx.addIssue({ code: 'custom', message: 'errors.number_range' });
					return z.NEVER;
				}
				return v;
			});
	}
	return z.object(shape);
}

const reason = z.string().trim().min(5, 'letters.errors.reason_short').max(500, 'errors.too_long');

export const decisionSchema = z.discriminatedUnion('decision', [
	z.object({ decision: z.literal('approve'), note: z.string().trim().max(500, 'errors.too_long').optional().default('') }),
	z.object({ decision: z.literal('return'), note: reason }),
	z.object({ decision: z.literal('reject'), note: reason })
]);

export const cancelSchema = z.object({ reason });

const lines = (max: number) =>
	z
		.string()
		.optional()
		.transform((v) => (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean))
		.pipe(z.array(z.string().max(300, 'errors.too_long')).max(max, 'errors.too_long'));

const fieldLine = /^([a-z][a-z0-9_]{0,39})\s*\|\s*([^|]{1,80})\s*\|\s*(text|textarea|date|number)\s*(\|\s*(wajib|opsional))?$/;

/** Form fields written one per line: `key | Label | type | wajib` (admin editor). */
export const fieldsText = z
	.string()
	.optional()
	.transform((v, ctx): ServiceField[] => {
		const out: ServiceField[] = [];
		for (const line of (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
			const m = fieldLine.exec(line);
			if (!m || out.some((f) => f.key === m[1])) {
				ctx.addIssue({ code: 'custom', message: 'letters.errors.field_line' });
				return z.NEVER;
			}
			out.push({ key: m[1]!, label: m[2]!.trim(), type: m[3] as (typeof FIELD_TYPES)[number], required: m[5] !== 'opsional' });
		}
		if (out.length > 12) {
			ctx.addIssue({ code: 'custom', message: 'errors.too_long' });
			return z.NEVER;
		}
		return out;
	});

export const fieldsToText = (fields: readonly ServiceField[]) =>
	fields.map((f) => `${f.key} | ${f.label} | ${f.type} | ${f.required ? 'wajib' : 'opsional'}`).join('\n');

export const serviceSchema = z
	.object({
		name: z.string().trim().min(3, 'errors.too_short').max(160, 'errors.too_long'),
		mode: z.enum(['online', 'tatap_muka', 'tautan'], { error: 'errors.invalid_choice' }),
		requirements: lines(20),
		procedure: lines(20),
		legal_basis: lines(20),
		days: z
			.string()
			.trim()
			.optional()
			.transform((v, ctx) => {
				if (!v) return null;
				if (!/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > 60) {
					ctx.addIssue({ code: 'custom', message: 'errors.number_range' });
					return z.NEVER;
				}
				return Number(v);
			}),
		fee_rp: z
			.string()
			.trim()
			.optional()
			.transform((v, ctx) => {
				const digits = (v ?? '0').replace(/[.\s]/g, '').replace(/^Rp/i, '');
				if (!/^\d{1,9}$/.test(digits)) {
					ctx.addIssue({ code: 'custom', message: 'errors.number_range' });
					return z.NEVER;
				}
				return Number(digits);
			}),
		product: z.string().trim().max(300, 'errors.too_long').optional().default(''),
		complaint_channel: z.string().trim().max(300, 'errors.too_long').optional().default(''),
		in_person_reason: z.string().trim().max(500, 'errors.too_long').optional().default(''),
		external_url: z
			.string()
			.trim()
			.optional()
			.transform((v, ctx) => {
				if (!v) return null;
				if (!/^https:\/\/[^\s<>"']+$/.test(v) || v.length > 300) {
					ctx.addIssue({ code: 'custom', message: 'letters.errors.url' });
					return z.NEVER;
				}
				return v;
			}),
		external_label: z.string().trim().max(200, 'errors.too_long').optional().default(''),
		fields: fieldsText,
		template: z.string().max(4000, 'errors.too_long').optional().default(''),
		active: z.string().optional().transform((v) => v === 'on' || v === 'true')
	})
	.superRefine((s, ctx) => {
		if (s.mode === 'online' && s.days === null) ctx.addIssue({ code: 'custom', path: ['days'], message: 'errors.required' });
		if (s.mode === 'tatap_muka' && !s.in_person_reason) ctx.addIssue({ code: 'custom', path: ['in_person_reason'], message: 'errors.required' });
		if (s.mode === 'online') {
			const known = new Set<string>([...STANDARD_PLACEHOLDERS, ...s.fields.map((f) => f.key)]);
			if (templatePlaceholders(s.template).some((p) => !known.has(p)))
				{ctx.addIssue({ code: 'custom', path: ['template'], message: 'letters.errors.template_placeholder' });}
			if (s.template.trim().length < 10) ctx.addIssue({ code: 'custom', path: ['template'], message: 'errors.required' });
		}
	});

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

/** Office hours written one per line: `1 08:00-12:00` (ISO weekday 1 = Senin). */
export const officeHoursText = z
	.string()
	.optional()
	.transform((v, ctx) => {
		const out: { weekday: number; start: string; end: string }[] = [];
		for (const line of (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
			const m = /^([1-7])\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})$/.exec(line);
			if (!m || !time.safeParse(m[2]).success || !time.safeParse(m[3]).success || m[2]! >= m[3]!) {
				ctx.addIssue({ code: 'custom', message: 'letters.errors.office_hours' });
				return z.NEVER;
			}
			out.push({ weekday: Number(m[1]), start: m[2]!, end: m[3]! });
		}
		return out;
	});

export const settingsSchema = z.object({
	number_format: z
		.string()
		.trim()
		.superRefine((v, ctx) => {
			const problem = numberFormatProblem(v);
			if (problem) ctx.addIssue({ code: 'custom', message: `letters.errors.${problem}` });
		}),
	place: z.string().trim().min(2, 'errors.required').max(60, 'errors.too_long'),
	office_hours: officeHoursText,
	slot_minutes: z.coerce.number({ error: 'errors.number_range' }).int('errors.number_range').min(10, 'errors.number_range').max(240, 'errors.number_range'),
	per_slot: z.coerce.number({ error: 'errors.number_range' }).int('errors.number_range').min(1, 'errors.number_range').max(50, 'errors.number_range')
});

export const surveySchema = z.object({
	...Object.fromEntries(
		SKM_ELEMENTS.map((e) => [e, z.coerce.number({ error: 'letters.errors.score' }).int('letters.errors.score').min(1, 'letters.errors.score').max(4, 'letters.errors.score')])
	),
	comment: z.string().trim().max(1000, 'errors.too_long').optional().default('')
}) as unknown as z.ZodType<Record<(typeof SKM_ELEMENTS)[number], number> & { comment: string }>;

export const bookingSchema = z.object({ slot: z.string().datetime({ offset: true, error: 'letters.errors.slot' }) });
