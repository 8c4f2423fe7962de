/**
 * Map tiles come from a configurable server (MAP_TILE_URL): its origin must be allowed
 * to load images under the Content Security Policy, which svelte.config.js fixes at
 * build time for OpenStreetMap only. Only the pages that show a map allow it.
 */

/** The pages with a Leaflet map: the security post, complaints, the treasurer's house map. */
const MAP_PAGES = ['/security', '/pengaduan', '/treasurer/peta'];

/** Whether the page at `pathname` shows a map (and so may load tiles from MAP_TILE_URL). */
export const hasMap = (pathname: string) => MAP_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`));

/** The origin of a tile URL template (`https://tiles.lan:8080/{z}/{x}/{y}.png` → `https://tiles.lan:8080`). */
export function tileOrigin(template: string): string | null {
	try {
		return new URL(template.replace(/\{[a-z]\}/g, '0')).origin;
	} catch {
		return null;
	}
}

/** A CSP header with `origin` added to img-src (unchanged when already allowed or without img-src). */
export function allowTileOrigin(csp: string, origin: string | null): string {
	if (!origin) return csp;
	return csp
		.split(';')
		.map((directive) => {
			const parts = directive.trim().split(/\s+/);
			return parts[0] === 'img-src' && !parts.includes(origin) ? `${directive.trim()} ${origin}` : directive.trim();
		})
		.join('; ');
}
