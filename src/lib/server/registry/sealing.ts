// How a NIK and a KK are stored: ciphertext, blind index (for lookups), mask. Used by
// every registry write, on the main thread and in the row-check worker (relative
// imports only, no database: workers/start.ts).
import { maskId } from '../../domain/nik';
import { blindIndex, encryptPii, type PiiKeys } from '../crypto/pii';

/** The stored form of a NIK: ciphertext, blind index, mask and last four digits. */
export function sealNik(keys: PiiKeys, nik: string) {
	return { nik_enc: encryptPii(keys, 'nik', nik), nik_hash: blindIndex(keys, 'nik', nik), nik_masked: maskId(nik), nik_last4: nik.slice(-4) };
}

/** The stored form of a KK: ciphertext, blind index and mask. */
export function sealKk(keys: PiiKeys, kk: string) {
	return { kk_enc: encryptPii(keys, 'kk', kk), kk_hash: blindIndex(keys, 'kk', kk), kk_masked: maskId(kk) };
}

export type SealedNik = ReturnType<typeof sealNik>;
export type SealedKk = ReturnType<typeof sealKk>;
