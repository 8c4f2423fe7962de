import { z } from 'zod';
import { CATEGORIES } from '$lib/domain/panic';

/**
 * A press from the phone (JSON): the key the phone made for it (its retries send the
 * same key and find the same incident), an optional category and, when the resident
 * allowed it, where the phone is. Errors are i18n keys.
 */
export const pressSchema = z.object({
	key: z.string({ error: 'panic.error_key' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'panic.error_key'),
	category: z.enum(CATEGORIES, { error: 'errors.invalid_choice' }).nullish().transform((v) => v ?? null),
	lat: z.number({ error: 'errors.number_range' }).min(-90, 'errors.number_range').max(90, 'errors.number_range').nullish().transform((v) => v ?? null),
	lng: z.number({ error: 'errors.number_range' }).min(-180, 'errors.number_range').max(180, 'errors.number_range').nullish().transform((v) => v ?? null),
	accuracy: z.number({ error: 'errors.number_range' }).min(0, 'errors.number_range').max(100_000, 'errors.number_range').nullish().transform((v) => v ?? null)
});
export type PressInput = z.output<typeof pressSchema>;

const note = z
	.string()
	.trim()
	.max(500, 'errors.too_long')
	.optional()
	.transform((v) => (v ? v : null));

/** An officer's step on an incident (form fields); closing it needs a note. */
export const stepSchema = z
	.object({
		move: z.enum(['acknowledge', 'dispatch', 'resolve', 'false_alarm'], { error: 'errors.invalid_choice' }),
		note,
		officerId: z.uuid('panic.error_officer').optional().or(z.literal('').transform(() => undefined))
	})
	.superRefine((v, ctx) => {
		if (v.move === 'dispatch' && !v.officerId) ctx.addIssue({ code: 'custom', path: ['officerId'], message: 'panic.error_officer' });
		if ((v.move === 'resolve' || v.move === 'false_alarm') && !v.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'panic.error_note' });
	});
export type StepInput = z.output<typeof stepSchema>;
