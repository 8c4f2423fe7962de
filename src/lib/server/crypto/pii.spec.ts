import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blindIndex, decryptPii, encryptPii, loadPiiKeys, piiKeysFrom } from './pii';

const keys = piiKeysFrom(randomBytes(32));
const NIK = '3175014101900001';

describe('PII encryption', () => {
	it('round-trips and never contains the plain value', () => {
		const token = encryptPii(keys, 'nik', NIK);
		expect(token).not.toContain(NIK);
		expect(token).not.toContain(NIK.slice(4, 12));
		expect(decryptPii(keys, 'nik', token)).toBe(NIK);
		expect(encryptPii(keys, 'nik', NIK)).not.toBe(token); // random IV
	});

	it('refuses a ciphertext under another field, another key or tampered', () => {
		const token = encryptPii(keys, 'nik', NIK);
		expect(() => decryptPii(keys, 'kk', token)).toThrow();
		expect(() => decryptPii(piiKeysFrom(randomBytes(32)), 'nik', token)).toThrow();
		// The second-to-last character replaced by another (never by itself).
		const tampered = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.slice(-1);
		expect(tampered).not.toBe(token);
		expect(() => decryptPii(keys, 'nik', tampered)).toThrow();
	});

	it('indexes deterministically per key and field', () => {
		expect(blindIndex(keys, 'nik', NIK)).toBe(blindIndex(keys, 'nik', NIK));
		expect(blindIndex(keys, 'kk', NIK)).not.toBe(blindIndex(keys, 'nik', NIK));
		expect(blindIndex(piiKeysFrom(randomBytes(32)), 'nik', NIK)).not.toBe(blindIndex(keys, 'nik', NIK));
	});
});

describe('key loading', () => {
	it('creates a private key file once and reuses it', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-keys-'));
		const first = await loadPiiKeys({ dataDir: dir });
		const file = path.join(dir, 'keys', 'pii.key');
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect(Buffer.from(await readFile(file, 'utf8'), 'base64')).toHaveLength(32);
		const second = await loadPiiKeys({ dataDir: dir });
		expect(second.encryption.equals(first.encryption)).toBe(true);
	});

	it('takes a base64 key from the environment and rejects a short one', async () => {
		const envKey = randomBytes(32).toString('base64');
		const a = await loadPiiKeys({ envKey, dataDir: '/nonexistent' });
		expect(a.index.equals(piiKeysFrom(Buffer.from(envKey, 'base64')).index)).toBe(true);
		await expect(loadPiiKeys({ envKey: 'c2hvcnQ=', dataDir: '/nonexistent' })).rejects.toThrow(/32 bytes/);
	});
});
