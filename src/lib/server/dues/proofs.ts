import { formatRupiah } from '$lib/domain/money';
import { may } from '$lib/domain/permissions';
import { wibDate } from '$lib/domain/dues';
import type { ProofInput } from '$lib/schemas/dues';
import { queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { notify } from '../notifications';
import { sha256Hex } from '../crypto/digest';
import { newFileKey, type FileStore } from '../storage/files';
import { acceptUpload, type UploadProblem } from '../storage/uploads';
import { DuesRefusal, recordPayment } from './ledger';
import { houseUserIds, moneyWrite, type MoneyResult } from './payments';

/**
 * Transfer and QRIS proofs: a resident sends a photo of the payment for their house;
 * the treasurer approves it (one payment, allocated oldest-first) or rejects it with a
 * reason. The photo is checked by its bytes and re-encoded (storage/uploads.ts); the
 * same photo twice is refused (its SHA-256 is unique per RW).
 */

export const MAX_PROOF_BYTES = 8 * 1024 * 1024;

export type SubmitResult = { ok: true; proofId: string } | { ok: false; reason: 'forbidden' | 'not_your_house' | 'duplicate' } | { ok: false; reason: 'upload'; problem: UploadProblem };

export async function submitProof(db: Database, user: SessionUser, store: FileStore, input: ProofInput, file: { bytes: Uint8Array; name: string }): Promise<SubmitResult> {
	if (!user.rwId) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const mine = await queryAsUser<{ id: string }>(db, { sub: user.id, rw_id: rwId }, 'select id from house where id in (select app.my_house_ids()) and id = $1 and rw_id = $2', [
		input.houseId,
		rwId
	]);
	if (mine.length === 0) return { ok: false, reason: 'not_your_house' };
	const accepted = await acceptUpload(file, { maxBytes: MAX_PROOF_BYTES, allow: ['image'] });
	if (!accepted.ok) return { ok: false, reason: 'upload', problem: accepted.problem };
	const hash = sha256Hex(file.bytes);
	const key = newFileKey('proofs', rwId, accepted.file.ext);
	await store.put(key, accepted.file.bytes, accepted.file.contentType);
	try {
		const proofId = await withUser(db, { sub: user.id, rw_id: rwId }, async (tx) => {
			const [row] = await tx.query<{ id: string }>(
				`insert into dues_proof (rw_id, house_id, submitted_by, method, amount, months, file_key, content_sha256)
				 values ($1, $2, $3, $4, $5, $6, $7, $8)
				 on conflict (rw_id, content_sha256) do nothing returning id`,
				[rwId, input.houseId, user.id, input.method, input.amount, input.months, key, hash]
			);
			if (!row) return null;
			await audit(tx, { rwId, actorId: user.id, action: 'dues.proof_submitted', target: row.id, detail: { house: input.houseId, amount: input.amount, months: input.months } });
			const treasurers = await tx.query<{ id: string }>('select app.dues_treasurer_ids($1) as id', [rwId]);
			await notify(tx, rwId, treasurers.map((t) => t.id), 'dues.proof_submitted', { amount: formatRupiah(input.amount) }, '/treasurer/verifikasi');
			return row.id;
		});
		if (!proofId) {
			await store.delete(key);
			return { ok: false, reason: 'duplicate' };
		}
		return { ok: true, proofId };
	} catch (err) {
		await store.delete(key);
		throw err;
	}
}

/**
 * Approves a proof: the proof is taken (only while still submitted: of two treasurers
 * approving at once, the second finds it taken and nothing is written) and becomes one
 * payment, in one transaction.
 */
export async function approveProof(db: Database, user: SessionUser, input: { proofId: string; allowCredit: boolean }, now: Date): Promise<MoneyResult> {
	if (!user.rwId || !user.rwCode || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const rwCode = user.rwCode;
	return moneyWrite(db, user, async (tx) => {
		const [proof] = await tx.query<{ house_id: string; amount: string | number; method: 'transfer' | 'qris' }>(
			`update dues_proof set status = 'approved', decided_by = $3, decided_at = $4
			  where id = $1 and rw_id = $2 and status = 'submitted' returning house_id, amount, method`,
			[input.proofId, rwId, user.id, now]
		);
		if (!proof) {
			const seen = await tx.query<{ status: string }>('select status from dues_proof where id = $1 and rw_id = $2', [input.proofId, rwId]);
			throw new DuesRefusal(seen[0] ? 'already_decided' : 'not_found');
		}
		const paid = await recordPayment(tx, {
			rwId,
			rwCode,
			actorId: user.id,
			houseId: proof.house_id,
			amount: Number(proof.amount),
			method: proof.method,
			proofId: input.proofId,
			allowCredit: input.allowCredit,
			receivedOn: wibDate(now)
		});
		await audit(tx, { rwId, actorId: user.id, action: 'dues.proof_approved', target: input.proofId, detail: { payment: paid.paymentId } });
		await notify(tx, rwId, await houseUserIds(tx, proof.house_id), 'dues.proof_approved', { receipt: paid.receiptNumber, amount: formatRupiah(Number(proof.amount)) }, '/iuran');
		return paid;
	});
}

export async function rejectProof(db: Database, user: SessionUser, input: { proofId: string; reason: string }, now: Date): Promise<MoneyResult<null>> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return moneyWrite(db, user, async (tx) => {
		const [proof] = await tx.query<{ house_id: string }>(
			`update dues_proof set status = 'rejected', reason = $5, decided_by = $3, decided_at = $4
			  where id = $1 and rw_id = $2 and status = 'submitted' returning house_id`,
			[input.proofId, rwId, user.id, now, input.reason]
		);
		if (!proof) {
			throw new DuesRefusal('already_decided');
		}
		await audit(tx, { rwId, actorId: user.id, action: 'dues.proof_rejected', target: input.proofId, detail: { reason: input.reason } });
		await notify(tx, rwId, await houseUserIds(tx, proof.house_id), 'dues.proof_rejected', { reason: input.reason }, '/iuran');
		return null;
	});
}

/** The proof's photo, for the treasurer or the house's residents (the row is read under RLS). */
export async function readProofImage(db: Database, user: SessionUser, store: FileStore, proofId: string): Promise<{ bytes: Uint8Array; contentType: string } | null> {
	const rows = await queryAsUser<{ file_key: string }>(db, { sub: user.id, rw_id: user.rwId }, 'select file_key from dues_proof where id = $1', [proofId]);
	return rows[0] ? store.get(rows[0].file_key) : null;
}
