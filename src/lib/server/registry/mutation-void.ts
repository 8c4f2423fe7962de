import { isActiveHead, statusBeforeEvent, type MutationKind, type ResidentStatus } from '$lib/domain/registry';
import { withUser, type Database } from '../db';
import { audit } from '../audit';
import type { SessionUser } from '../auth/sessions';

export type VoidResult =
	| { ok: true }
	| { ok: false; reason: 'not_found' }
	/** A rule refuses it; `message` is an i18n key. */
	| { ok: false; reason: 'refused'; message: string };

/**
 * Voids a wrongly recorded mutation (a death entered for the wrong person, a move
 * that did not happen). Nothing is deleted: the row keeps who voided it, when and why,
 * and stays in the history. Only the resident's latest standing event can be voided,
 * so the events that remain are still a history the rules allow (an earlier one is
 * reached by voiding the later ones first); the resident's status and household go
 * back to what they were before it. The monthly counts and the next event's rules
 * skip voided rows. The resident's row is locked first, like a new event's, so a
 * void and an event cannot pass each other. RLS: the RW admin, or the head of the
 * RT(s) the event touches.
 */
export async function voidMutation(
	db: Database,
	user: SessionUser,
	input: { residentId: string; mutationId: string; reason: string }
): Promise<VoidResult> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx): Promise<VoidResult> => {
		const [resident] = await tx.query<{ household_id: string; status: ResidentStatus; relation: string }>(
			'select household_id, status, relation from resident where id = $1 and rw_id = $2 for update',
			[input.residentId, user.rwId]
		);
		if (!resident) return { ok: false, reason: 'not_found' };
		const standing = await tx.query<{ id: string; kind: MutationKind; status_before: ResidentStatus | null; from_household_id: string | null }>(
			`select id, kind, status_before, from_household_id from mutation
			  where resident_id = $1 and rw_id = $2 and voided_at is null order by occurred_on desc, created_at desc limit 2`,
			[input.residentId, user.rwId]
		);
		const target = standing[0];
		if (!target || target.id !== input.mutationId) {
			const [exists] = await tx.query('select 1 from mutation where id = $1 and resident_id = $2', [input.mutationId, input.residentId]);
			return exists ? { ok: false, reason: 'refused', message: 'mutation.void_not_latest' } : { ok: false, reason: 'not_found' };
		}
		const status = target.status_before ?? statusBeforeEvent(target.kind, resident.status, standing.length > 1);
		const household = target.kind === 'changed_household' && target.from_household_id ? target.from_household_id : resident.household_id;
		// One head of family per KK: a head who comes back (to life, from a move, to the old
		// KK) may not make it two.
		if (isActiveHead({ relation: resident.relation, status }) && (household !== resident.household_id || !isActiveHead(resident))) {
			await tx.query('select 1 from household where id = $1 for update', [household]);
			const heads = await tx.query(
				`select 1 from resident where household_id = $1 and id <> $2 and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`,
				[household, input.residentId]
			);
			if (heads.length > 0) return { ok: false, reason: 'refused', message: 'errors.head_exists' };
		}
		const voided = await tx.query(
			'update mutation set voided_at = now(), voided_by = $2, void_reason = $3 where id = $1 and voided_at is null returning id',
			[target.id, user.id, input.reason]
		);
		// The resident's status and household go back by trigger (app.mutation_unapply).
		if (voided.length === 0) return { ok: false, reason: 'not_found' };
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'registry.mutation.void', target: input.residentId, detail: { mutation: target.id, kind: target.kind } });
		return { ok: true };
	});
}
