import {
	isActiveHead,
	isMutationKind,
	mutationProblem,
	statusAfter,
	type MutationKind,
	type ReportKind,
	type ResidentStatus
} from '$lib/domain/registry';
import { todayWib } from '$lib/domain/time';
import { arrivalSchema, residentSchema, type ArrivalInput, type ResidentInput } from '$lib/schemas/registry';
import { queryAsUser, withUser, type Database, type Sql } from '../db';
import { audit } from '../audit';
import { blindIndex, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { commitRows, dryRun, type RowError } from './registration';
import { rtsWhere } from '$lib/domain/permissions';

export { MUTATION_KINDS, type MutationKind } from '$lib/domain/registry';

export type MutationResult =
	| { ok: true; id: string }
	| { ok: false; reason: 'not_found' | 'needs_household' }
	/** A rule of the register refuses it; `message` is an i18n key for that form field. */
	| { ok: false; reason: 'refused'; field: 'kind' | 'occurredOn' | 'toKk'; message: string };

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * Records a dated event for a resident and applies it to their record (status, or
 * household for a change of KK), checked against the rules (`mutationProblem`) and
 * written in one transaction. The resident's row is locked first, so a second event
 * for the same resident waits and is then checked against this one's result: two
 * deaths recorded at once cannot both pass.
 */
export async function recordMutation(
	db: Database,
	user: SessionUser,
	input: { residentId: string; kind: MutationKind; occurredOn: string; note: string; toHouseholdId?: string | null; documentPath?: string | null }
): Promise<MutationResult> {
	return withUser(db, claimsOf(user), async (tx): Promise<MutationResult> => {
		const [resident] = await tx.query<{ household_id: string; rt_id: string; status: ResidentStatus; birth_date: string; relation: string }>(
			'select household_id, rt_id, status, birth_date::text as birth_date, relation from resident where id = $1 and rw_id = $2 for update',
			[input.residentId, user.rwId]
		);
		if (!resident) return { ok: false, reason: 'not_found' };
		// An unknown kind is the caller's bug, not a user error: the database's check constraint refuses it.
		if (isMutationKind(input.kind)) {
			const [history] = await tx.query<{ last_on: string | null }>('select last_on::text as last_on from app.mutation_history($1)', [input.residentId]);
			const subject = { status: resident.status, birthDate: resident.birth_date, lastOccurredOn: history?.last_on ?? null };
			const problem = mutationProblem(subject, input.kind, input.occurredOn, todayWib());
			if (problem) return { ok: false, reason: 'refused', ...problem };
		}
		// One head of family per KK (as the import and the edit form keep it): a head who
		// returns, or moves into another KK, may not make it two. Checked before anything is
		// written; the household row is locked so two such events cannot both pass.
		const after = isMutationKind(input.kind) ? statusAfter(input.kind, resident.status) : resident.status;
		const household = input.kind === 'changed_household' ? input.toHouseholdId : resident.household_id;
		if (household && isActiveHead({ relation: resident.relation, status: after }) && (household !== resident.household_id || !isActiveHead(resident))) {
			await tx.query('select 1 from household where id = $1 for update', [household]);
			const heads = await tx.query(
				`select 1 from resident where household_id = $1 and id <> $2 and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`,
				[household, input.residentId]
			);
			if (heads.length > 0) return { ok: false, reason: 'refused', field: input.kind === 'changed_household' ? 'toKk' : 'kind', message: 'errors.head_exists' };
		}
		if (input.kind === 'changed_household') {
			if (!input.toHouseholdId) return { ok: false, reason: 'needs_household' };
			const [target] = await tx.query<{ id: string }>('select id from household where id = $1 and rw_id = $2', [input.toHouseholdId, user.rwId]);
			if (!target) return { ok: false, reason: 'needs_household' };
			if (target.id === resident.household_id) return { ok: false, reason: 'refused', field: 'toKk', message: 'mutation.rule_same_household' };
		}
		// The insert applies the event to the resident (status, household: trigger
		// app.mutation_apply), after the database checks it against their history again
		// (app.mutation_check); to_rt_id, the RT a change of household leads to, is set by
		// trigger app.mutation_to_rt.
		const [inserted] = await tx.query<{ id: string }>(
			`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, from_household_id, to_household_id, note, document_path, recorded_by, status_before)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
			[user.rwId, resident.rt_id, input.residentId, input.kind, input.occurredOn, resident.household_id, input.kind === 'changed_household' ? input.toHouseholdId : null, input.note, input.documentPath ?? null, user.id, resident.status]
		);
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: `registry.mutation.${input.kind}`, target: input.residentId });
		return { ok: true, id: inserted!.id };
	});
}

type ArrivalEvent = NonNullable<ArrivalInput>;

/** The rules of an arrival for a person not registered yet (no history). */
function arrivalProblem(resident: ResidentInput, arrival: ArrivalEvent): RowError | null {
	if (resident.status !== 'permanent' && resident.status !== 'temporary') return { line: 1, field: 'status', message: 'mutation.rule_arrival_status' };
	const problem = mutationProblem({ status: resident.status, birthDate: resident.birth_date, lastOccurredOn: null }, arrival.kind, arrival.occurredOn, todayWib());
	return problem && { line: 1, field: problem.field === 'kind' ? 'arrival' : 'arrival_date', message: problem.message };
}

/**
 * Adds one person from the form: the import's checks and write path (`commitRows`)
 * and, when they were born here or moved in, that event in the same transaction, so
 * the monthly report counts the arrival. With any error nothing is written and every
 * field's problem is reported at once (the rest as a dry run finds them).
 */
export async function registerResident(
	db: Database,
	keys: PiiKeys,
	user: SessionUser,
	values: Record<string, string | undefined>
): ReturnType<typeof commitRows> {
	const rows = [{ line: 1, values }];
	const arrival = arrivalSchema.safeParse(values);
	const resident = residentSchema.safeParse(values);
	const problems: RowError[] = arrival.success
		? []
		: arrival.error.issues.map((i) => ({ line: 1, field: String(i.path[0] ?? 'arrival'), message: i.message }));
	const event = arrival.success ? arrival.data : null;
	if (event && resident.success) {
		const problem = arrivalProblem(resident.data, event);
		if (problem) problems.push(problem);
	}
	if (problems.length > 0) return { ok: false, errors: [...problems, ...(await dryRun(db, keys, user, rows)).errors] };
	// Without a valid resident commitRows writes nothing and returns the errors.
	if (!event || !resident.success) return commitRows(db, keys, user, rows);
	const nikHash = blindIndex(keys, 'nik', resident.data.nik);
	return commitRows(db, keys, user, rows, undefined, (tx) => insertArrival(tx, user, nikHash, event));
}

async function insertArrival(tx: Sql, user: SessionUser, nikHash: string, event: ArrivalEvent): Promise<void> {
	const rows = await tx.query<{ resident_id: string }>(
		`insert into mutation (rw_id, rt_id, resident_id, kind, occurred_on, to_household_id, note, recorded_by, status_before)
		 select r.rw_id, r.rt_id, r.id, $3, $4, r.household_id, '', $5, r.status from resident r where r.rw_id = $1 and r.nik_hash = $2
		 returning resident_id`,
		[user.rwId, nikHash, event.kind, event.occurredOn, user.id]
	);
	if (rows.length !== 1) throw new Error(`registerResident: ${rows.length} residents with the new NIK for the arrival`);
	await audit(tx, { rwId: user.rwId, actorId: user.id, action: `registry.mutation.${event.kind}`, target: rows[0]!.resident_id });
}

export interface MutationRow {
	id: string;
	kind: MutationKind;
	occurred_on: string;
	note: string;
	/** Empty when RLS hides the recorder from the reader (an RT head does not see the RW admin's account). */
	recorded_by_name: string;
	/** Whether a document is stored (the key itself stays on the server). */
	has_document: boolean;
	/** Set when the event was voided (a wrong entry): it stays in the history, counted nowhere. */
	voided_at: string | null;
	void_reason: string | null;
	voided_by_name: string;
}

export function listMutations(db: Database, user: SessionUser, residentId: string): Promise<MutationRow[]> {
	return queryAsUser<MutationRow>(
		db,
		claimsOf(user),
		`select m.id, m.kind, m.occurred_on::text as occurred_on, m.note, coalesce(u.name, '') as recorded_by_name,
		        m.document_path is not null as has_document, m.voided_at, m.void_reason, coalesce(v.name, '') as voided_by_name
		   from mutation m left join app_user u on u.id = m.recorded_by left join app_user v on v.id = m.voided_by
		  where m.resident_id = $1 and m.rw_id = $2 order by m.occurred_on desc, m.created_at desc`,
		[residentId, user.rwId]
	);
}

export interface MutationReportRow {
	rt_number: number;
	kind: ReportKind;
	count: number;
}

/**
 * Counts per RT and kind in one month (letters for pindah/kematian reference these);
 * voided events count nowhere.
 * A change of household into another RT counts for both: out of the old RT, into the
 * new one. RLS shows an RT head the events touching their RT; of those, only their
 * own RTs' counts are listed (not the other side of a move).
 */
export function mutationReport(db: Database, user: SessionUser, year: number, month: number): Promise<MutationReportRow[]> {
	const from = `${year}-${String(month).padStart(2, '0')}-01`;
	const where = rtsWhere(user, 'registry.read');
	const rts = where === 'rw' ? null : (where ?? []);
	return queryAsUser<MutationReportRow>(
		db,
		claimsOf(user),
		`with m as (
		   select rt_id, to_rt_id, kind from mutation
		    where rw_id = $1 and occurred_on >= $2::date and occurred_on < ($2::date + interval '1 month') and voided_at is null
		 ), events as (
		   select rt_id, case when kind = 'changed_household' and to_rt_id <> rt_id then 'changed_household_out' else kind end as kind from m
		   union all
		   select to_rt_id, 'changed_household_in' from m where kind = 'changed_household' and to_rt_id <> rt_id
		 )
		 select rt.number as rt_number, e.kind, count(*)::int as count
		   from events e join rt on rt.id = e.rt_id
		  where $3::uuid[] is null or e.rt_id = any ($3::uuid[])
		  group by rt.number, e.kind order by rt.number, e.kind`,
		[user.rwId, from, rts]
	);
}
