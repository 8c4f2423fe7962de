import { createHash } from 'node:crypto';

/** SHA-256 of bytes, hex (a sealed letter's PDF, checked again on the verification page). */
export function sha256Hex(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}
