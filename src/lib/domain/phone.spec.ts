import { describe, expect, it } from 'vitest';
import { formatPhone, maskPhone, normalizePhone } from './phone';

describe('normalizePhone', () => {
	it.each([
		['081200000001', '+6281200000001'],
		['+6281200000001', '+6281200000001'],
		['6281200000001', '+6281200000001'],
		['0812-0000-0001', '+6281200000001'],
		[' 0812 0000 0001 ', '+6281200000001'],
		['(0812) 0000.0001', '+6281200000001'],
		['0856123456', '+62856123456']
	])('%s → %s', (input, expected) => {
		expect(normalizePhone(input)).toBe(expected);
	});

	it.each([
		'',
		'12345',
		'0212345678', // landline (Jakarta area code), not a mobile number
		'+6221123456',
		'08123', // too short
		'08123456789012345', // too long
		'0812abc45678',
		'+1 202 555 0100',
		'+62081200000001', // trunk 0 after the country code
		'0812000000০1' // non-ASCII digit
	])('rejects %j', (input) => {
		expect(normalizePhone(input)).toBeNull();
	});
});

describe('formatting', () => {
	it('formats and masks the canonical form', () => {
		expect(formatPhone('+6281200000001')).toBe('0812-0000-0001');
		expect(maskPhone('+6281200000001')).toBe('0812••••0001');
	});
});
