import { describe, expect, it } from 'vitest';
import { bearerMatches } from './tokens';

const TOKEN = 'k'.repeat(40);

describe('bearerMatches', () => {
	it('accepts the configured token as a bearer token', () => {
		expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
		expect(bearerMatches(`bearer  ${TOKEN}`, TOKEN)).toBe(true);
	});

	it('refuses another token, another scheme, a prefix of the token, and anything when none is configured', () => {
		expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
		expect(bearerMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN)).toBe(false);
		expect(bearerMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
		expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
		expect(bearerMatches(null, TOKEN)).toBe(false);
		expect(bearerMatches('Bearer ', undefined)).toBe(false);
		expect(bearerMatches('Bearer undefined', undefined)).toBe(false);
	});
});
