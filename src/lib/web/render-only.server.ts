import type { RequestEvent } from '@sveltejs/kit';
import { RenderOnly } from '$lib/render-only';

/**
 * `value` for the server render of a `csr = false` page, without the copy SvelteKit
 * would serialise into its HTML (see src/lib/render-only.ts); plain for a
 * `__data.json` request (a client-side navigation), which the browser reads.
 */
export function renderOnly<T>(event: Pick<RequestEvent, 'isDataRequest'>, value: T): T | RenderOnly<T> {
	return event.isDataRequest ? value : new RenderOnly(value);
}
