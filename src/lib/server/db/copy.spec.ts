import { describe, expect, it } from 'vitest';
import { copyTarget, encodeCopyBinary, isoMicroseconds } from './copy';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const HEADER = '5047434f50590aff0d0a00' + '00000000' + '00000000';
const TRAILER = 'ffff';

describe('encodeCopyBinary', () => {
	it('writes the signature, the header and the trailer around no rows', () => {
		expect(hex(encodeCopyBinary(['int8'], []))).toBe(HEADER + TRAILER);
	});

	it('writes each field as its length and its binary form, NULL as length -1', () => {
		const data = encodeCopyBinary(['text', 'int8', 'float4', 'bool', 'text'], [['Né', -2, 1.5, true, null]]);
		expect(hex(data)).toBe(
			HEADER +
				'0005' + // five fields
				'00000003' + '4ec3a9' + // 'Né' in UTF-8
				'00000008' + 'fffffffffffffffe' + // -2 as int64
				'00000004' + '3fc00000' + // 1.5 as float4
				'00000001' + '01' +
				'ffffffff' + // NULL
				TRAILER
		);
	});

	it('writes int8 beyond 32 bits, uuids and float8 big-endian', () => {
		const data = encodeCopyBinary(['int8', 'uuid', 'float8'], [[2 ** 40 + 7, '0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9', -0.5]]);
		expect(hex(data)).toBe(
			HEADER + '0003' + '00000008' + '0000010000000007' + '00000010' + '0a1b2c3d4e5f60718293a4b5c6d7e8f9' + '00000008' + 'bfe0000000000000' + TRAILER
		);
	});

	it('counts timestamps in microseconds from 2000-01-01 UTC, keeping the microseconds of an ISO string', () => {
		const at = (v: Date | string) => hex(encodeCopyBinary(['timestamptz'], [[v]])).slice(HEADER.length + 4 + 8, -TRAILER.length);
		expect(at(new Date('2000-01-01T00:00:00Z'))).toBe('0000000000000000');
		expect(at('2000-01-01T00:00:00.000001Z')).toBe('0000000000000001');
		expect(at(new Date('1999-12-31T23:59:59.999Z'))).toBe('fffffffffffffc18'); // -1000 µs
		expect(Number(BigInt('0x' + at('2026-11-30T23:59:25.123456Z')))).toBe((Date.parse('2026-11-30T23:59:25Z') - Date.UTC(2000, 0, 1)) * 1000 + 123_456);
	});

	it('writes lone surrogates as U+FFFD and int8 at the 32-bit edges', () => {
		const data = encodeCopyBinary(['text', 'int8', 'int8', 'int8'], [['a\ud800', -(2 ** 32), -(2 ** 32) - 1, 2 ** 31]]);
		expect(hex(data)).toBe(
			HEADER + '0004' + '00000004' + '61efbfbd' + '00000008' + 'ffffffff00000000' + '00000008' + 'fffffffeffffffff' + '00000008' + '0000000080000000' + TRAILER
		);
	});

	it('parses each new uuid and timestamp string, not only the first (values alternating A, B, A)', () => {
		const a = '00000000-0000-0000-0000-00000000000a';
		const b = '00000000-0000-0000-0000-00000000000b';
		const fields = (data: Uint8Array) => hex(data).slice(HEADER.length, -TRAILER.length);
		const rows = encodeCopyBinary(['uuid', 'timestamptz'], [[a, '2000-01-01T00:00:00.000001Z'], [b, '2000-01-01T00:00:00.000002Z'], [a, '2000-01-01T00:00:00.000001Z']]);
		const row = (id: string, us: string) => '0002' + '00000010' + id.replaceAll('-', '') + '00000008' + us;
		expect(fields(rows)).toBe(row(a, '0000000000000001') + row(b, '0000000000000002') + row(a, '0000000000000001'));
	});

	it('refuses a value its column cannot hold, naming row and column', () => {
		expect(() => encodeCopyBinary(['int8'], [[1], [1.5]])).toThrow('COPY row 1, column 0: not a int8 value');
		expect(() => encodeCopyBinary(['int8'], [[2 ** 53]])).toThrow(/int8/);
		expect(() => encodeCopyBinary(['uuid'], [['not-a-uuid']])).toThrow(/uuid/);
		expect(() => encodeCopyBinary(['text'], [[42]])).toThrow(/text/);
		expect(() => encodeCopyBinary(['bool'], [['t']])).toThrow(/bool/);
		expect(() => encodeCopyBinary(['timestamptz'], [[new Date(NaN)]])).toThrow(/timestamptz/);
		expect(() => encodeCopyBinary(['timestamptz'], [['2026-11-30 10:00']])).toThrow(/timestamptz/);
		expect(() => encodeCopyBinary(['text', 'text'], [['a']])).toThrow('COPY row 0: 1 values for 2 columns');
		expect(() => encodeCopyBinary(['float4'], [[NaN]])).toThrow(/float4/);
		expect(() => encodeCopyBinary(['float8'], [[Infinity]])).toThrow(/float8/);
		expect(() => encodeCopyBinary(['float4'], [[1e39]])).toThrow(/float4/);
		expect(() => encodeCopyBinary(['timestamptz'], [[new Date(8.64e15)]])).toThrow(/timestamptz/);
	});
});

describe('isoMicroseconds', () => {
	it('reads UTC ISO strings with up to six fractional digits, and nothing else', () => {
		expect(isoMicroseconds('1970-01-01T00:00:01Z')).toBe(1_000_000);
		expect(isoMicroseconds('1970-01-01T00:00:00.5Z')).toBe(500_000);
		expect(isoMicroseconds('1970-01-01T00:00:00.000042Z')).toBe(42);
		expect(isoMicroseconds('1970-01-01T00:00:00.0000001Z')).toBeNaN();
		expect(isoMicroseconds('1970-01-01T07:00:00+07:00')).toBeNaN();
		expect(isoMicroseconds('2026-02-30T00:00:00Z')).toBeNaN();
		expect(isoMicroseconds('2026-02-28T24:00:00Z')).toBeNaN();
	});
});

describe('copyTarget', () => {
	it('names a table and its columns, and refuses anything that is not a plain identifier', () => {
		expect(copyTarget('reading', ['device_id', 'seq'])).toBe('reading (device_id, seq)');
		expect(copyTarget('public.reading', ['seq'])).toBe('public.reading (seq)');
		expect(() => copyTarget('reading; drop table x', ['seq'])).toThrow(/table/);
		expect(() => copyTarget('reading', ['seq) from program'])).toThrow(/column/);
		expect(() => copyTarget('reading', [])).toThrow(/column/);
		expect(() => copyTarget('"Reading"', ['seq'])).toThrow(/table/);
	});
});
