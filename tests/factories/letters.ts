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

let letterSequence = 0;

/**
 * `n` SK-DOM letters already issued to `requesterId` for `subjectId` (written as the
 * system: no PDF is drawn), for what comes after issue: pick-up, survey, cancelling.
 * Returns the request ids.
 */
export async function issuedLetters(db: Database, rw: TestRw, people: { requesterId: string; subjectId: string; issuerId: string }, n: number): Promise<string[]> {
	const first = letterSequence + 1;
	letterSequence += n;
	const rows = await db.query<{ request_id: string }>(
		`with service as (select id from letter_service where rw_id = $1 and kind = 'SK-DOM'),
		 req as (
		   insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status, data, submitted_at)
		   select $1, $2, (select id from service), $3, $4, 'issued', '{"keperluan":"Uji"}', now() from generate_series(1, $6)
		   returning id
		 ),
		 numbered as (select id, $7::int - 1 + row_number() over (order by id) as seq from req)
		 insert into letter (rw_id, request_id, kind, year, seq, number, verify_token, holder_name, holder_nik_masked, service_name,
		                     signer_name, signer_role, frozen, pdf_file_key, pdf_sha256, issued_by)
		 select $1, id, 'SK-DOM-TEST', 2000, seq, 'TEST/' || seq, 'token-for-test-letter-' || seq || '-' || $1, 'Pemohon', '••••', 'Uji',
		        'Penanda tangan', 'Ketua RW', '{}', 'none', repeat('0', 64), $5
		   from numbered
		 returning request_id`,
		[rw.id, rw.rts[0]!.id, people.requesterId, people.subjectId, people.issuerId, n, first]
	);
	return rows.map((r) => r.request_id);
}
