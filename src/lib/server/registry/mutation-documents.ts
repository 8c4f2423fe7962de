import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { newFileKey, type FileStore } from '../storage/files';
import { acceptUpload, type AcceptedUpload, type UploadProblem } from '../storage/uploads';
import { recordMutation, type MutationResult } from './mutations';

/**
 * The document behind a mutation (docs/domain.md, "Population registry": each event
 * is dated and has its document): a photo or PDF of the surat keterangan lahir, surat kematian or surat
 * pindah. The file lives in the FileStore; the mutation row keeps only its key, which
 * never leaves the server.
 */

export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

export type DocumentCheck = { ok: true; file: AcceptedUpload | null } | { ok: false; problem: UploadProblem };

/** Checks the form's optional file field by its bytes; no file chosen is `file: null`. */
export async function checkDocument(entry: FormDataEntryValue | null): Promise<DocumentCheck> {
	if (entry === null || typeof entry === 'string' || (entry.size === 0 && entry.name === '')) return { ok: true, file: null };
	const result = await acceptUpload({ bytes: new Uint8Array(await entry.arrayBuffer()), name: entry.name }, { maxBytes: MAX_DOCUMENT_BYTES });
	return result.ok ? { ok: true, file: result.file } : result;
}

/**
 * Records the mutation with its document. The file is written first, so a committed
 * row never points at a missing file; when the mutation is refused or fails, the file
 * is deleted again.
 */
export async function recordMutationWithDocument(
	db: Database,
	store: FileStore,
	user: SessionUser,
	input: Omit<Parameters<typeof recordMutation>[2], 'documentPath'>,
	document: AcceptedUpload | null
): Promise<MutationResult> {
	if (!document) return recordMutation(db, user, input);
	if (!user.rwId) return { ok: false, reason: 'not_found' };
	const key = newFileKey('mutations', user.rwId, document.ext);
	await store.put(key, document.bytes, document.contentType);
	let result: MutationResult;
	try {
		result = await recordMutation(db, user, { ...input, documentPath: key });
	} catch (err) {
		await removeOrphan(store, key, err);
		throw err;
	}
	if (!result.ok) await removeOrphan(store, key, null);
	return result;
}

async function removeOrphan(store: FileStore, key: string, cause: unknown): Promise<void> {
	try {
		await store.delete(key);
	} catch (err) {
		throw new AggregateError(cause === null ? [err] : [cause, err], `mutation not recorded and its document ${key} could not be removed`);
	}
}

/**
 * A mutation's document for the RT head of the mutation's RT or the RW admin: the row
 * is read under RLS (policy mutation_read), so anyone else gets null, as for a
 * mutation without a document.
 */
export async function readMutationDocument(
	db: Database,
	store: FileStore,
	user: SessionUser,
	residentId: string,
	mutationId: string
): Promise<{ bytes: Uint8Array; contentType: string } | null> {
	const rows = await queryAsUser<{ document_path: string | null }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		'select document_path from mutation where id = $1 and resident_id = $2 and rw_id = $3', [
		mutationId,
		residentId,
		user.rwId
		]
	);
	const key = rows[0]?.document_path;
	return key ? store.get(key) : null;
}
