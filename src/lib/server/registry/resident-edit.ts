import { residentSchema } from '$lib/schemas/registry';
import { cleanId } from '$lib/domain/nik';
import { withUser, type Database } from '../db';
import { audit } from '../audit';
import { decryptPii, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { isActiveHead } from '$lib/domain/registry';
import { linkByPhone } from './records';
import { sealNik } from './sealing';

/** The fields an RT head or the RW admin can correct on a resident record. */
export const EDITABLE_FIELDS = ['nik', 'name', 'birth_place', 'birth_date', 'sex', 'religion', 'marital_status', 'relation', 'occupation', 'phone'] as const;
type Editable = (typeof EDITABLE_FIELDS)[number];

export type EditResult = { ok: true; changed: Editable[] } | { ok: false; errors: Partial<Record<Editable, string>> } | null;

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

interface Current {
	id: string;
	rw_id: string;
	household_id: string;
	nik_enc: string;
	name: string;
	birth_place: string;
	birth_date: string;
	sex: string;
	religion: string | null;
	marital_status: string | null;
	relation: string;
	occupation: string;
	phone: string | null;
	status: string;
	user_id: string | null;
}

/**
 * Corrects a resident record (UU 27/2022 art. 6: the right to have one's data
 * corrected; a typo from an import must not be permanent). RLS limits it to the RW
 * admin and the head of the resident's RT. The whole record goes through the
 * resident schema again: the NIK (the stored one when the field is left empty, never
 * shown) must agree with the birth date and sex as they will be. A new NIK must be
 * free in the RW, and is sealed like any other. Status changes are mutations, not
 * edits. The audit log records which fields changed, never their values. Returns
 * null when the record is not the user's to edit.
 */
export async function updateResident(db: Database, keys: PiiKeys, user: SessionUser, id: string, form: Record<string, string>): Promise<EditResult> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<Current>(
			`select id, rw_id, household_id, nik_enc, name, birth_place, birth_date::text as birth_date, sex, religion,
			        marital_status, relation, occupation, phone, status, user_id
			   from resident where id = $1 and rw_id = $2 for update`,
			[id, user.rwId]
		);
		const current = rows[0];
		if (!current) return null;
		const storedNik = decryptPii(keys, 'nik', current.nik_enc);
		const typedNik = cleanId(form.nik ?? '');
		const parsed = residentSchema.safeParse({ ...form, nik: typedNik || storedNik, status: current.status });
		if (!parsed.success) {
			const errors: Partial<Record<Editable, string>> = {};
			for (const issue of parsed.error.issues) {
				const field = issue.path[0] as Editable;
				if ((EDITABLE_FIELDS as readonly string[]).includes(field)) errors[field] ??= issue.message;
			}
			return { ok: false, errors };
		}
		const next = parsed.data;
		if (next.birth_date !== current.birth_date) {
			// A birth date after a recorded birth, arrival or move would make the history impossible.
			const [history] = await tx.query<{ first_on: string | null }>('select first_on::text as first_on from app.mutation_history($1)', [id]);
			if (history?.first_on && next.birth_date > history.first_on) return { ok: false, errors: { birth_date: 'errors.birth_after_mutation' } };
		}
		if (next.relation === 'kepala_keluarga' && current.relation !== 'kepala_keluarga' && isActiveHead({ relation: next.relation, status: current.status })) {
			const heads = await tx.query(
				`select 1 from resident where household_id = $1 and id <> $2 and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`,
				[current.household_id, id]
			);
			if (heads.length > 0) return { ok: false, errors: { relation: 'errors.head_exists' } };
		}
		const nikChanged = next.nik !== storedNik;
		const sealed = nikChanged ? sealNik(keys, next.nik) : null;
		if (sealed) {
			const taken = await tx.query('select app.registered_niks($1, $2) as h', [user.rwId, [sealed.nik_hash]]);
			if (taken.length > 0) return { ok: false, errors: { nik: 'errors.nik_registered' } };
		}
		const changed = EDITABLE_FIELDS.filter((f) => (f === 'nik' ? nikChanged : String(next[f] ?? '') !== String(current[f] ?? '')));
		if (changed.length === 0) return { ok: true, changed };
		// A NIK taken between the check above and this write (two edits at once) is the
		// unique key's to refuse: the same field error, nothing written.
		await tx.query('savepoint resident_edit');
		try {
			await tx.query(
				`update resident set name = $2, birth_place = $3, birth_date = $4, sex = $5, religion = $6, marital_status = $7,
				        relation = $8, occupation = $9, phone = $10,
				        nik_enc = coalesce($11, nik_enc), nik_hash = coalesce($12, nik_hash),
				        nik_masked = coalesce($13, nik_masked), nik_last4 = coalesce($14, nik_last4)
				  where id = $1`,
				[
					id,
					next.name,
					next.birth_place,
					next.birth_date,
					next.sex,
					next.religion,
					next.marital_status,
					next.relation,
					next.occupation,
					next.phone,
					sealed?.nik_enc ?? null,
					sealed?.nik_hash ?? null,
					sealed?.nik_masked ?? null,
					sealed?.nik_last4 ?? null
				]
			);
		} catch (err) {
			if ((err as { code?: string }).code !== '23505') throw err;
			await tx.query('rollback to savepoint resident_edit');
			return { ok: false, errors: { nik: 'errors.nik_registered' } };
		}
		if (changed.includes('phone') && next.phone && !current.user_id) await linkByPhone(tx, { residentIds: [id] });
		await audit(tx, { rwId: current.rw_id, actorId: user.id, action: 'registry.resident_update', target: id, detail: { fields: changed } });
		return { ok: true, changed };
	});
}
