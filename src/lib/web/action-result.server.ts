import { fail } from '@sveltejs/kit';
import type { Refusal } from '$lib/form-state';

export type { Done, Refusal } from '$lib/form-state';

/**
 * An action's refusal in the one shape (docs/conventions.md, "Form actions"): `errors`
 * and `values` always present, `message` and `form` when given, plus what the page
 * needs besides (`extra`: refused files, the upload's mapping, …).
 */
export function refuse<X extends Record<string, unknown> = Record<never, never>>(status: number, refusal: Partial<Refusal>, extra?: X) {
	const body: Refusal = { errors: refusal.errors ?? {}, values: refusal.values ?? {} };
	if (refusal.form !== undefined) body.form = refusal.form;
	if (refusal.message !== undefined) body.message = refusal.message;
	return fail(status, { ...(extra as X), ...body });
}

/** The typed text fields of a form, echoed back on a refusal (files cannot be; passwords never are). */
export function typedValues(form: FormData): Record<string, string> {
	const values: Record<string, string> = {};
	for (const [key, value] of form.entries()) if (typeof value === 'string' && !/password/i.test(key)) values[key] = value;
	return values;
}
