import { error } from '@sveltejs/kit';

/** The 404 every page answers for a row that is not there for this user (RLS hides it). */
export function notFound(): never {
	error(404, { message: 'Not found', key: 'error.404' });
}

/** `value`, or the 404 page when a service found nothing. */
export function orNotFound<T>(value: T | null | undefined): T {
	if (value === null || value === undefined) notFound();
	return value;
}
