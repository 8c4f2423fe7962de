import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

const HOME = '/home';

describe('safeNext', () => {
	it('keeps a path on this site, with its query and fragment', () => {
		expect(safeNext('/registry?q=siti&page=2#top', HOME)).toBe('/registry?q=siti&page=2#top');
		expect(safeNext('/surat/baru?layanan=SK-DOM', HOME)).toBe('/surat/baru?layanan=SK-DOM');
	});

	it('refuses what a browser would read as another host', () => {
		for (const next of [
			'/\t/evil.example',
			'/\n/evil.example',
			'/\r\n/evil.example',
			'//evil.example',
			'/\\evil.example',
			'\\/evil.example',
			'/.//evil.example',
			'/%2e//evil.example',
			' //evil.example',
			'https://evil.example/',
			'javascript:alert(1)',
			'evil.example'
		]) {
			expect(safeNext(next, HOME), JSON.stringify(next)).toBe(HOME);
		}
	});

	it('never returns a character that cannot go into a Location header', () => {
		for (const next of ['/\r\nSet-Cookie: x=1', '/é', '/👀?q=ü', '/a\u0000b', '/a\u2028b']) {
			const target = safeNext(next, HOME);
			expect(target, JSON.stringify(next)).toMatch(/^\/[\x21-\x7e]*$/);
			expect(() => new Headers({ location: target })).not.toThrow();
		}
		expect(safeNext('/é', HOME)).toBe('/%C3%A9');
	});

	it('falls back for nothing, a non-string or an overlong target', () => {
		expect(safeNext(null, HOME)).toBe(HOME);
		expect(safeNext(undefined, HOME)).toBe(HOME);
		expect(safeNext('', HOME)).toBe(HOME);
		expect(safeNext(`/${'a'.repeat(5000)}`, HOME)).toBe(HOME);
	});
});
