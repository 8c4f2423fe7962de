import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Encryption of NIK and KK numbers at rest (UU 27/2022 art. 16 and 35: personal
 * data kept confidential). AES-256-GCM with a random IV; the field name is bound
 * as associated data so a KK ciphertext cannot be passed off as a NIK. Lookups
 * (uniqueness, "is this NIK registered?") use a keyed blind index (HMAC-SHA256),
 * never the plain value.
 */
export interface PiiKeys {
	readonly encryption: Buffer;
	readonly index: Buffer;
	/** Signs short-lived dashboard tokens for MQTT over WebSocket. */
	readonly tokens: Buffer;
}

export type PiiField = 'nik' | 'kk';

const VERSION = 'v1';

/** Derives the two working keys from one 32-byte master key. */
export function piiKeysFrom(master: Buffer): PiiKeys {
	if (master.length !== 32) throw new Error('The PII master key must be 32 bytes');
	const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
	return { encryption: derive('rukun pii encryption'), index: derive('rukun pii blind index'), tokens: derive('rukun dashboard tokens') };
}

/**
 * The master key comes from RUKUN_DATA_KEY (base64, 32 bytes: required when several
 * instances share a database) or from DATA_DIR/keys/pii.key, created on first start.
 */
export async function loadPiiKeys(options: { envKey?: string; dataDir: string }): Promise<PiiKeys> {
	if (options.envKey) {
		const master = Buffer.from(options.envKey, 'base64');
		if (master.length !== 32) throw new Error('RUKUN_DATA_KEY must be 32 bytes, base64-encoded');
		return piiKeysFrom(master);
	}
	const file = path.join(options.dataDir, 'keys', 'pii.key');
	try {
		return piiKeysFrom(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${file}`, { cause: err });
	}
	await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
	const master = randomBytes(32);
	await writeFile(file, master.toString('base64'), { mode: 0o600, flag: 'wx' });
	return piiKeysFrom(master);
}

export function encryptPii(keys: PiiKeys, field: PiiField, plain: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
	cipher.setAAD(Buffer.from(field));
	const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
	return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function decryptPii(keys: PiiKeys, field: PiiField, token: string): string {
	const [version, iv, body] = token.split('.');
	if (version !== VERSION || !iv || !body) throw new Error('Unknown PII ciphertext format');
	const data = Buffer.from(body, 'base64url');
	const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(iv, 'base64url'));
	decipher.setAAD(Buffer.from(field));
	decipher.setAuthTag(data.subarray(data.length - 16));
	return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** Deterministic keyed index of a value, for uniqueness and exact lookups. */
export function blindIndex(keys: PiiKeys, field: PiiField, plain: string): string {
	return createHmac('sha256', keys.index).update(`${field}:${plain}`).digest('hex');
}

const FILE_MAGIC = Buffer.from('RKN1');

/**
 * Encrypts a file that carries personal data (an issued letter's PDF shows the
 * full NIK): magic | IV | ciphertext | tag, with `purpose` bound as associated data.
 */
export function encryptFile(keys: PiiKeys, purpose: string, bytes: Uint8Array): Uint8Array {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
	cipher.setAAD(Buffer.from(`file:${purpose}`));
	return Buffer.concat([FILE_MAGIC, iv, cipher.update(bytes), cipher.final(), cipher.getAuthTag()]);
}

export function decryptFile(keys: PiiKeys, purpose: string, sealed: Uint8Array): Uint8Array {
	const data = Buffer.from(sealed);
	if (data.length < 32 || !data.subarray(0, 4).equals(FILE_MAGIC)) throw new Error('Unknown sealed file format');
	const decipher = createDecipheriv('aes-256-gcm', keys.encryption, data.subarray(4, 16));
	decipher.setAAD(Buffer.from(`file:${purpose}`));
	decipher.setAuthTag(data.subarray(data.length - 16));
	return Buffer.concat([decipher.update(data.subarray(16, data.length - 16)), decipher.final()]);
}
