import { maskId } from '$lib/domain/nik';
import { queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

/**
 * A NIK or KK number asked for in a correction is kept only masked, like every stored
 * number outside the encrypted columns (UU 27/2022): the RT head checks the right
 * number on the KTP or KK card and types it into the record's edit form.
 */
export function correctionValue(field: string, value: string): string {
	if (field !== 'nik' && field !== 'kk') return value;
	const digits = value.replace(/\D/g, '');
	// A whole number as everywhere else; part of one (a few digits said to be wrong) not at all.
	return digits.length >= 16 ? maskId(digits) : '•'.repeat(digits.length);
}

/** A resident asks the RT to correct their household's data (UU 27/2022 art. 6: right to correct). */
export async function requestCorrection(
	db: Database,
	user: SessionUser,
	input: { householdId: string; residentId: string | null; field: string; requestedValue: string; note: string }
): Promise<boolean> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const household = await tx.query<{ rt_id: string }>(
			'select rt_id from household where id = $1 and id in (select app.my_household_ids())',
			[input.householdId]
		);
		if (!household[0]) return false;
		if (input.residentId) {
			const member = await tx.query('select 1 from resident where id = $1 and household_id = $2', [input.residentId, input.householdId]);
			if (member.length === 0) return false;
		}
		await tx.query(
			`insert into correction_request (rw_id, rt_id, household_id, resident_id, requested_by, field, requested_value, note)
			 values ($1, $2, $3, $4, $5, $6, $7, $8)`,
			[user.rwId, household[0].rt_id, input.householdId, input.residentId, user.id, input.field, correctionValue(input.field, input.requestedValue), input.note]
		);
		return true;
	});
}

export interface CorrectionRow {
	id: string;
	created_at: string;
	requested_by_name: string;
	resident_id: string | null;
	resident_name: string | null;
	field: string;
	requested_value: string;
	note: string;
	status: string;
	rt_number: number;
}

export function listCorrections(db: Database, user: SessionUser, status: 'open' | 'all' = 'open'): Promise<CorrectionRow[]> {
	return queryAsUser<CorrectionRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select c.id, c.created_at, u.name as requested_by_name, c.resident_id, r.name as resident_name, c.field,
		        c.requested_value, c.note, c.status, rt.number as rt_number
		   from correction_request c join app_user u on u.id = c.requested_by
		   join rt on rt.id = c.rt_id left join resident r on r.id = c.resident_id
		  where c.rw_id = $1 and ($2 = 'all' or c.status = 'open')
		  order by c.created_at desc limit 200`,
		[user.rwId, status]
	);
}

export async function closeCorrection(db: Database, user: SessionUser, id: string, status: 'resolved' | 'rejected'): Promise<boolean> {
	const rows = await queryAsUser(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`update correction_request set status = $3, handled_by = $2, handled_at = now()
		  where id = $1 and status = 'open' returning id`,
		[id, user.id, status]
	);
	return rows.length > 0;
}
