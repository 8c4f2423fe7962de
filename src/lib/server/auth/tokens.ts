import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 256-bit random token for cookies and links. */
export function newToken(): string {
	return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
	return createHash('sha256').update(value).digest('hex');
}

/** No 0/O, 1/I/L: codes are read aloud and typed from paper. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A human-typable one-time code, e.g. `K7PM-R2XQ-9D` (length 10 → ~49 bits). */
export function newCode(length = 10): string {
	let raw = '';
	for (let i = 0; i < length; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
	return raw.replace(/(.{4})(?=.)/g, '$1-');
}

/** What people type back: case, spaces and dashes do not matter. */
export function normalizeCode(input: string): string {
	return input.toUpperCase().replace(/[\s-]/g, '');
}

/**
 * Whether an `Authorization: Bearer …` header carries `expected` (never when nothing
 * is expected). Compared as hashes in constant time, so the answer's timing says
 * nothing about how much of a guess was right.
 */
export function bearerMatches(header: string | null, expected: string | undefined): boolean {
	if (!expected || !header) return false;
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (!match) return false;
	return timingSafeEqual(createHash('sha256').update(match[1]!).digest(), createHash('sha256').update(expected).digest());
}
