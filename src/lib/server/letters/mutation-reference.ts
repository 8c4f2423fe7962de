import { LETTER_MUTATIONS, referenceMutation, type MutationReference } from '$lib/domain/letter-forms';
import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { listMutations, type MutationRow } from '../registry/mutations';
import type { RequestDetail } from './requests';

/**
 * For the RT head and RW admin deciding a death, moving-out or moving-in letter: what
 * the registry records for the subject (RLS: they read mutations of their RT / RW).
 */
export async function mutationReferenceFor(db: Database, user: SessionUser, request: RequestDetail): Promise<MutationReference<MutationRow> | null> {
	if (!LETTER_MUTATIONS[request.service.kind]) return null;
	const standing = (await listMutations(db, user, request.subject.id)).filter((m) => m.voided_at === null);
	return referenceMutation(request.service.kind, request.data, standing);
}
