/**
 * The one menu link marked as the current page (`aria-current="page"`): the link whose
 * path is the longest one the page's path equals or lies under. `/rt/surat/…` lies
 * under both `/rt` and `/rt/surat`; only the letters link is current there. Home (`/`)
 * is current on the home page only. Null when no link matches.
 */
export function currentNavHref(pathname: string, hrefs: readonly string[]): string | null {
	let best: string | null = null;
	for (const href of hrefs) {
		const matches = href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
		if (matches && (best === null || href.length > best.length)) best = href;
	}
	return best;
}
