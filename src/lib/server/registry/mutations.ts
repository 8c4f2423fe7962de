import { queryAsUser, withUser, type Database } from '../db';
import { audit } from '../audit';
import type { SessionUser } from '../auth/sessions';

export const MUTATION_KINDS = ['moved_in', 'moved_out', 'born', 'died', 'changed_household'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** What each event does to the resident's status (issue 5, item 4). */
const STATUS_AFTER: Record<MutationKind, string | null> = {
	moved_in: 'permanent',
	born: 'permanent',
	moved_out: 'moved',
	died: 'died',
	changed_household: null
};

export type MutationResult = { ok: true; id: string } | { ok: false; reason: 'not_found' | 'needs_household' };

/**
 * Records a dated event for a resident and applies it to their record in the
 * same transaction (status, or household for a change of KK).
 */
export async function recordMutation(
	db: Database,
	user: SessionUser,
	input: { residentId: string; kind: MutationKind; occurredOn: string; note: string; toHouseholdId?: string | null; documentPath?: string | null }
): Promise<MutationResult> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const found = await tx.query<{ household_id: string; rt_id: string }>(
			'select household_id, rt_id from resident where id = $1 and rw_id = $2 for update',
			[input.residentId, user.rwId]
		);
		const resident = found[0];
		if (!resident) return { ok: false as const, reason: 'not_found' as const };
		if (input.kind === 'changed_household') {
			if (!input.toHouseholdId) return { ok: false as const, reason: 'needs_household' as const };
			const target = await tx.query('select 1 from household where id = $1 and rw_id = $2', [input.toHouseholdId, user.rwId]);
			if (target.length === 0) return { ok: false as const, reason: 'needs_household' as const };
			await tx.query('update resident set household_id = $2 where id = $1', [input.residentId, input.toHouseholdId]);
		}
		const status = STATUS_AFTER[input.kind];
		if (status) await tx.query('update resident set status = $2 where id = $1', [input.residentId, status]);
		const inserted = await tx.query<{ id: string }>(
			`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, from_household_id, to_household_id, note, document_path, recorded_by)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
			[user.rwId, resident.rt_id, input.residentId, input.kind, input.occurredOn, resident.household_id, input.toHouseholdId ?? null, input.note, input.documentPath ?? null, user.id]
		);
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: `registry.mutation.${input.kind}`, target: input.residentId });
		return { ok: true as const, id: inserted[0]!.id };
	});
}

export interface MutationRow {
	id: string;
	kind: MutationKind;
	occurred_on: string;
	note: string;
	recorded_by_name: string;
	/** Whether a document is stored (the key itself stays on the server). */
	has_document: boolean;
}

export function listMutations(db: Database, user: SessionUser, residentId: string): Promise<MutationRow[]> {
	return queryAsUser<MutationRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select m.id, m.kind, m.occurred_on::text as occurred_on, m.note, u.name as recorded_by_name,
		        m.document_path is not null as has_document
		   from mutation m join app_user u on u.id = m.recorded_by
		  where m.resident_id = $1 and m.rw_id = $2 order by m.occurred_on desc, m.created_at desc`,
		[residentId, user.rwId]
	);
}

export interface MutationReportRow {
	rt_number: number;
	kind: MutationKind;
	count: number;
}

/** Counts per RT and kind in one month (letters for pindah/kematian reference these). */
export function mutationReport(db: Database, user: SessionUser, year: number, month: number): Promise<MutationReportRow[]> {
	const from = `${year}-${String(month).padStart(2, '0')}-01`;
	return queryAsUser<MutationReportRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select rt.number as rt_number, m.kind, count(*)::int as count
		   from mutation m join rt on rt.id = m.rt_id
		  where m.rw_id = $1 and m.occurred_on >= $2::date and m.occurred_on < ($2::date + interval '1 month')
		  group by rt.number, m.kind order by rt.number, m.kind`,
		[user.rwId, from]
	);
}
