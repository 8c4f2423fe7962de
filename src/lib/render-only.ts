/**
 * Server load data that only the server render reads.
 *
 * SvelteKit writes every page's server data into its HTML for hydration (devalue's
 * `uneval`), and it does so even for a `csr = false` page, whose HTML has no script to
 * read it. For the registry list that was the largest single cost of the page: about
 * 0.14 ms of 1.3 ms of main-thread time per request (`npm run bench:http -- --profile`).
 *
 * Wrapped in `RenderOnly`, the value reaches the server render unchanged, and the
 * `transport` hook (src/hooks.ts) writes a one-character marker in its place. Use it
 * through `renderOnly()` (src/lib/web/render-only.server.ts), only in the load of a
 * `csr = false` page: a client-side navigation to the page asks for its data as
 * `__data.json`, and gets the plain value.
 */
export class RenderOnly<T> {
	constructor(readonly value: T) {}
}

/** The value, whether it came wrapped (server render) or plain (`__data.json`). */
export function unwrap<T>(data: T | RenderOnly<T>): T {
	return data instanceof RenderOnly ? data.value : data;
}

/**
 * The transporter. Decoding happens only in a browser that hydrates the page, which a
 * `csr = false` page never does: it refuses rather than hand the page an empty value.
 */
export const renderOnlyTransporter = {
	encode: (value: unknown) => value instanceof RenderOnly && 1,
	decode: (): never => {
		throw new Error('RenderOnly data is not sent to the browser: use it only on csr = false pages');
	}
};
