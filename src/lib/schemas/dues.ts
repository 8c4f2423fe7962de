import { z } from 'zod';
import { isMonth } from '$lib/domain/dues';
import { parseRupiah } from '$lib/domain/money';

/**
 * Money typed in a form: whole rupiah (`150.000`, `Rp 150.000`, `150000`) between `min`
 * and `max`. A minus sign, a decimal comma or point with cents, letters: refused.
 */
const wholeRupiah = (min: number, max: number, message: string) =>
	z
		.string({ error: 'errors.required' })
		.trim()
		.min(1, 'errors.required')
		.transform((v, ctx) => {
			const n = /[,]|\.\d{1,2}$/.test(v) ? null : parseRupiah(v);
			if (n === null || n < min || n > max) {
				ctx.addIssue({ code: 'custom', message });
				return z.NEVER;
			}
			return n;
		});

/** An amount paid or spent: more than zero. */
export const rupiah = (message = 'dues.amount_invalid') => wholeRupiah(1, 1_000_000_000, message);

const checkbox = z
	.string()
	.optional()
	.transform((v) => v === 'on' || v === '1' || v === 'true');

const reason = z.string({ error: 'dues.reason_required' }).trim().min(1, 'dues.reason_required').max(300, 'errors.too_long');

const month = z
	.string({ error: 'errors.required' })
	.trim()
	.transform((v, ctx) => {
		const m = /^\d{4}-\d{2}$/.test(v) ? `${v}-01` : v;
		if (!isMonth(m)) {
			ctx.addIssue({ code: 'custom', message: 'dues.month_invalid' });
			return z.NEVER;
		}
		return m;
	});

export const cashPaymentSchema = z.object({
	houseId: z.uuid('dues.house_required'),
	amount: rupiah(),
	allowCredit: checkbox
});

export const proofSchema = z.object({
	houseId: z.uuid('dues.house_required'),
	method: z.enum(['transfer', 'qris'], { error: 'errors.invalid_choice' }),
	amount: rupiah(),
	months: z
		.string({ error: 'errors.required' })
		.trim()
		.regex(/^\d{1,2}$/, 'dues.months_invalid')
		.transform(Number)
		.refine((n) => n >= 1 && n <= 24, 'dues.months_invalid')
});

export const approveSchema = z.object({ proofId: z.uuid('errors.invalid_choice'), allowCredit: checkbox });
export const rejectSchema = z.object({ proofId: z.uuid('errors.invalid_choice'), reason });
export const voidSchema = z.object({ paymentId: z.uuid('errors.invalid_choice'), reason });
export const generateSchema = z.object({ month });

const COMPONENT = /^[\p{L}\p{N} ./&-]{1,40}$/u;
export const tariffSchema = z.object({
	category: z.enum(['house', 'shop', 'empty_lot', 'boarding', 'public'], { error: 'errors.invalid_choice' }),
	rtId: z
		.string()
		.optional()
		.transform((v) => (v ? v : null))
		.refine((v) => v === null || z.uuid().safeParse(v).success, 'errors.invalid_choice'),
	validFrom: month,
	security: z.string().optional(),
	cleaning: z.string().optional(),
	otherName: z.string().trim().max(40, 'errors.too_long').optional(),
	otherAmount: z.string().optional()
});

/** Tariff components from the form's fields: keamanan, kebersihan and one named by the treasurer. */
export function tariffComponents(input: z.output<typeof tariffSchema>): { ok: true; components: { name: string; amount: number }[] } | { ok: false; errors: Record<string, string> } {
	const errors: Record<string, string> = {};
	const components: { name: string; amount: number }[] = [];
	const add = (field: string, name: string, raw: string | undefined) => {
		if (!raw?.trim()) return;
		const n = /[,-]|\.\d{1,2}$/.test(raw) ? null : parseRupiah(raw);
		if (n === null) errors[field] = 'dues.amount_invalid';
		else components.push({ name, amount: n });
	};
	add('security', 'keamanan', input.security);
	add('cleaning', 'kebersihan', input.cleaning);
	if (input.otherAmount?.trim()) {
		if (!input.otherName || !COMPONENT.test(input.otherName)) errors.otherName = 'dues.component_name_invalid';
		else add('otherAmount', input.otherName.toLowerCase(), input.otherAmount);
	}
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	if (components.length === 0) return { ok: false, errors: { security: 'dues.tariff_empty' } };
	return { ok: true, components };
}

export const exemptionSchema = z.object({
	houseId: z.uuid('dues.house_required'),
	fromMonth: month,
	reason
});

export const expenseSchema = z.object({
	category: z.enum(['security', 'cleaning', 'pump', 'repair', 'event', 'admin', 'other'], { error: 'errors.invalid_choice' }),
	amount: rupiah(),
	spentOn: z
		.string({ error: 'errors.required' })
		.trim()
		.regex(/^\d{4}-\d{2}-\d{2}$/, 'errors.date_invalid'),
	description: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(300, 'errors.too_long')
});

export const settingsSchema = z.object({
	overdueDay: z
		.string()
		.trim()
		.regex(/^\d{1,2}$/, 'dues.overdue_day_invalid')
		.transform(Number)
		.refine((n) => n >= 1 && n <= 28, 'dues.overdue_day_invalid'),
	bankName: z.string().trim().max(60, 'errors.too_long'),
	bankAccount: z
		.string()
		.trim()
		.max(40, 'errors.too_long')
		.regex(/^[0-9 .-]*$/, 'dues.bank_account_invalid'),
	bankHolder: z.string().trim().max(100, 'errors.too_long'),
	reportNames: checkbox
});

export const expenseVoidSchema = z.object({ expenseId: z.uuid('errors.invalid_choice'), reason });

export const endExemptionSchema = z.object({ exemptionId: z.uuid('errors.invalid_choice'), toMonth: month });

/** The cash book's opening balance: whole rupiah, 0 or more (`0`, `1.500.000`, `Rp 1.500.000`). */
export const openingBalanceSchema = z.object({
	amount: wholeRupiah(0, 1_000_000_000_000, 'dues.opening.amount_invalid'),
	month
});

export type CashPaymentInput = z.output<typeof cashPaymentSchema>;
export type ProofInput = z.output<typeof proofSchema>;
