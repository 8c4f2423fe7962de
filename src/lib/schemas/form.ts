import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/**
 * Validates a submitted form with one schema (shared by form and action). Errors
 * are i18n message keys per field; values are echoed back without passwords so
 * nothing typed is lost on a failed submit.
 */
export function parseForm<S extends z.ZodType>(schema: S, form: FormData): Parsed<z.output<S>> {
	const raw: Record<string, string> = {};
	for (const [key, value] of form.entries()) if (typeof value === 'string') raw[key] = value;
	const result = schema.safeParse(raw);
	if (result.success) return { ok: true, data: result.data };
	const errors: FieldErrors = {};
	for (const issue of result.error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issue.message;
	}
	const values = Object.fromEntries(Object.entries(raw).filter(([k]) => !/password/i.test(k)));
	return { ok: false, errors, values };
}
