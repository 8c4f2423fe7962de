import { z } from 'zod';
import { normalizePhone } from '$lib/domain/phone';
import { ROLES } from '$lib/domain/roles';

// Messages are i18n keys (src/lib/i18n), shown in Bahasa Indonesia by default.
const required = (max: number) =>
	z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(max, 'errors.too_long');

export const phoneField = z
	.string({ error: 'errors.required' })
	.trim()
	.min(1, 'errors.required')
	.max(30, 'errors.phone_invalid')
	.transform((value, ctx) => {
		const phone = normalizePhone(value);
		if (!phone) {
			ctx.addIssue({ code: 'custom', message: 'errors.phone_invalid' });
			return z.NEVER;
		}
		return phone;
	});

export const newPassword = z
	.string({ error: 'errors.required' })
	.min(8, 'errors.password_short')
	.max(128, 'errors.password_long');

const code = z
	.string({ error: 'errors.required' })
	.trim()
	.min(1, 'errors.required')
	.max(20, 'errors.code_invalid')
	.regex(/^[A-Za-z0-9\s-]+$/, 'errors.code_invalid');

export const loginSchema = z.object({
	phone: phoneField,
	password: z.string({ error: 'errors.required' }).min(1, 'errors.required').max(128, 'errors.password_long')
});

export const joinSchema = z
	.object({
		code,
		name: required(100),
		phone: phoneField,
		password: newPassword,
		password_confirm: z.string({ error: 'errors.required' }).max(128, 'errors.password_long')
	})
	.refine((v) => v.password === v.password_confirm, { path: ['password_confirm'], message: 'errors.password_mismatch' });

export const resetSchema = z.object({
	phone: phoneField,
	code,
	password: newPassword
});

const optionalUuid = z
	.string()
	.trim()
	.optional()
	.transform((v) => (v ? v : null))
	.pipe(z.uuid('errors.invalid_choice').nullable());

export const inviteSchema = z.object({
	role: z.enum(ROLES, { error: 'errors.invalid_choice' }),
	rtId: optionalUuid,
	houseId: optionalUuid,
	note: z.string().trim().max(200, 'errors.too_long').default(''),
	validDays: z.coerce.number({ error: 'errors.number_range' }).int('errors.number_range').min(1, 'errors.number_range').max(30, 'errors.number_range').default(7)
});

export const idSchema = z.object({ id: z.uuid('errors.invalid_choice') });
