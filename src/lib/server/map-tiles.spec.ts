import { describe, expect, it } from 'vitest';
import { allowTileOrigin, tileOrigin } from './map-tiles';

describe('map tile origin in the CSP', () => {
	it('adds the tile server to img-src once, leaving the other directives alone', () => {
		const csp = "default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; script-src 'self'";
		const origin = tileOrigin('http://tiles.lan:8080/{z}/{x}/{y}.png');
		expect(origin).toBe('http://tiles.lan:8080');
		expect(allowTileOrigin(csp, origin)).toBe("default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org http://tiles.lan:8080; script-src 'self'");
		expect(allowTileOrigin(csp, tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png'))).toBe(csp);
	});
});
