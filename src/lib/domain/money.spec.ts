import { describe, expect, it } from 'vitest';
import { formatRupiah, parseRupiah } from './money';

describe('formatRupiah', () => {
	it.each([
		[0, 'Rp 0'],
		[500, 'Rp 500'],
		[150000, 'Rp 150.000'],
		[1234567890, 'Rp 1.234.567.890'],
		[-25000, '−Rp 25.000']
	])('%d → %s', (amount, expected) => {
		expect(formatRupiah(amount)).toBe(expected);
	});

	it('refuses fractions: rupiah are whole', () => {
		expect(() => formatRupiah(1.5)).toThrow(RangeError);
	});

	it('round-trips through parseRupiah', () => {
		for (const amount of [0, 1, 999, 1000, 150000, 987654321]) {
			expect(parseRupiah(formatRupiah(amount))).toBe(amount);
		}
	});

	it('rejects what is not a whole amount', () => {
		expect(parseRupiah('15,5')).toBeNull();
		expect(parseRupiah('abc')).toBeNull();
		expect(parseRupiah('-100')).toBeNull();
		expect(parseRupiah('')).toBeNull();
	});
});
