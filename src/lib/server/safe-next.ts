/** Any origin will do: only whether a target stays on it matters. */
const BASE = new URL('http://rukun.invalid/');
/** Longer targets are not ours (the app's own paths are short); also bounds the parse. */
const MAX_LENGTH = 2048;

/**
 * Where a `next` (or `back`) parameter may send the browser: only a path on this
 * site, judged as the browser itself will read it. The WHATWG URL parser drops tabs
 * and newlines, reads `\` as `/` and resolves `/./`, so `/\t/evil.example` or
 * `/.//evil.example` would leave the site; the target is therefore parsed, checked
 * to stay on this origin, and returned in its serialised form (percent-encoded: no
 * control or non-ASCII character can reach the Location header). Anything else
 * gives `fallback`.
 */
export function safeNext(next: string | null | undefined, fallback: string): string {
	if (typeof next !== 'string' || next.length > MAX_LENGTH || !next.startsWith('/')) return fallback;
	let url: URL;
	try {
		url = new URL(next, BASE);
	} catch {
		return fallback;
	}
	if (url.origin !== BASE.origin) return fallback;
	const target = `${url.pathname}${url.search}${url.hash}`;
	// A serialised path may still begin with `//` (from `/.//host`): a browser reads that as a host.
	if (!target.startsWith('/') || target.startsWith('//')) return fallback;
	return target;
}
