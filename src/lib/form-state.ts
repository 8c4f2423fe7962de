import type { FieldErrors } from '$lib/schemas/form';

/**
 * The one shape of a form action's answer (docs/conventions.md, "Form actions"). A
 * refusal (`refuse()` in src/lib/web/action-result.server.ts, sent with `fail`):
 */
export interface Refusal {
	/** Which form of the page it answers, when the page has several. */
	form?: string;
	/** i18n key of the message above the form. */
	message?: string;
	/** i18n key per field, shown under the field in the reader's language. */
	errors: FieldErrors;
	/** What was typed, echoed back so nothing is lost (never passwords). */
	values: Record<string, string>;
}

/** Success: which form, the i18n key of what happened, and whatever the page shows next. */
export interface Done {
	form?: string;
	done: string;
}

/** One form's view of the answer: always the four parts, empty when there is nothing for it. */
export interface FormState {
	errors: FieldErrors;
	values: Record<string, string>;
	message: string | null;
	done: string | null;
}

const NOTHING: FormState = Object.freeze({ errors: {}, values: {}, message: null, done: null }) as FormState;

/**
 * The page's `form` prop as one form reads it. With `name`, only an answer for that
 * form counts (a page with a reveal form and a mutation form shows each its own errors).
 */
export function formState(answer: unknown, name?: string): FormState {
	if (answer === null || typeof answer !== 'object') return NOTHING;
	const a = answer as Partial<Refusal> & { done?: unknown };
	if (name !== undefined && a.form !== name) return NOTHING;
	return {
		errors: a.errors ?? {},
		values: a.values ?? {},
		message: typeof a.message === 'string' ? a.message : null,
		done: typeof a.done === 'string' ? a.done : null
	};
}
