import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/lib/server/db/types';
import { blindIndex, encryptPii, piiKeysFrom, type PiiKeys } from '../../src/lib/server/crypto/pii';
import { maskId } from '../../src/lib/domain/nik';
import { LocalFileStore } from '../../src/lib/server/storage/files';
import { seedLetterCatalogue } from '../../src/lib/server/letters/catalogue';
import type { TestRw } from './tenancy';
import { newKk, nikFor } from './registry';

export const testPii = (): PiiKeys => piiKeysFrom(randomBytes(32));

/** A file store in a temp dir; call `cleanup()` in afterAll. */
export async function tempFileStore(): Promise<{ store: LocalFileStore; dir: string; cleanup(): Promise<void> }> {
	const dir = await mkdtemp(path.join(tmpdir(), 'rukun-files-'));
	return { store: new LocalFileStore(dir), dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Seeds the RW's letter catalogue from layanan.json (as the system). */
export async function seedCatalogue(db: Database, rw: TestRw): Promise<void> {
	await db.transaction((tx) => seedLetterCatalogue(tx, rw.id, { place: 'Jakarta', links: { 'LINK-OSS': 'https://oss.go.id' } }));
}

/**
 * A household in a house with its members (as the system); the first member is the
 * head. Optionally links a user account to the head. Returns the residents' ids.
 */
export async function makeHousehold(
	db: Database,
	pii: PiiKeys,
	rw: TestRw,
	houseId: string,
	members: { name: string; sex?: 'L' | 'P'; birth_date?: string }[],
	userId?: string
): Promise<{ householdId: string; residentIds: string[]; niks: string[] }> {
	const kk = newKk();
	const [household] = await db.query<{ id: string }>(
		`insert into household (rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked)
		 values ($1, (select rt_id from house where id = $2), $2, $3, $4, $5) returning id`,
		[rw.id, houseId, encryptPii(pii, 'kk', kk), blindIndex(pii, 'kk', kk), maskId(kk)]
	);
	const residentIds: string[] = [];
	const niks: string[] = [];
	for (const [i, m] of members.entries()) {
		const sex = m.sex ?? 'L';
		const birth = m.birth_date ?? '1985-04-12';
		const nik = nikFor(birth, sex);
		const [row] = await db.query<{ id: string }>(
			`insert into resident (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place, birth_date,
			   sex, religion, marital_status, relation, occupation, user_id)
			 values ($1, (select rt_id from house where id = $2), $3, $4, $5, $6, $7, $8, 'Jakarta', $9, $10, 'islam', 'kawin', $11, 'Karyawan swasta', $12)
			 returning id`,
			[rw.id, houseId, household!.id, encryptPii(pii, 'nik', nik), blindIndex(pii, 'nik', nik), maskId(nik), nik.slice(-4), m.name, birth, sex,
				i === 0 ? 'kepala_keluarga' : 'anak', i === 0 ? (userId ?? null) : null]
		);
		residentIds.push(row!.id);
		niks.push(nik);
	}
	return { householdId: household!.id, residentIds, niks };
}
