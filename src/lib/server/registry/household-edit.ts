import { cleanId } from '$lib/domain/nik';
import { isActiveHead, normalizeHouseCode, RELATIONS, type Relation } from '$lib/domain/registry';
import { may, mayAnywhere } from '$lib/domain/permissions';
import { householdSchema } from '$lib/schemas/registry';
import { queryAsUser, withUser, type Database } from '../db';
import { audit } from '../audit';
import { decryptPii, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { ensureHouses } from './records';
import { sealKk } from './sealing';

/** What an RT head or the RW admin can correct on a household (KK). */
export const HOUSEHOLD_FIELDS = ['kk', 'rt', 'block', 'house_number', 'address', 'head', 'former_head_relation'] as const;
type Field = (typeof HOUSEHOLD_FIELDS)[number];
/** Names of the changes the audit log records (never the values). */
type Change = 'kk' | 'house' | 'address' | 'head';

export type HouseholdEditResult = { ok: true; changed: Change[] } | { ok: false; errors: Partial<Record<Field, string>> } | null;

export interface HouseholdForEdit {
	id: string;
	kk_masked: string;
	rt_number: number;
	block: string;
	house_number: string;
	address: string;
	members: { id: string; name: string; relation: Relation; status: string }[];
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/** The household with its members, if the user may keep it (RLS: RW admin, or its RT's head). */
export async function getHouseholdForEdit(db: Database, user: SessionUser, id: string): Promise<HouseholdForEdit | null> {
	if (!mayAnywhere(user, 'registry.write')) return null;
	const [household] = await queryAsUser<Omit<HouseholdForEdit, 'members'>>(
		db,
		claimsOf(user),
		`select hh.id, hh.kk_masked, rt.number as rt_number, h.block, h.number as house_number, hh.address
		   from household hh join house h on h.id = hh.house_id join rt on rt.id = hh.rt_id
		  where hh.id = $1 and hh.rw_id = $2`,
		[id, user.rwId]
	);
	if (!household) return null;
	const members = await queryAsUser<HouseholdForEdit['members'][number]>(
		db,
		claimsOf(user),
		`select id, name, relation, status from resident where household_id = $1
		  order by case relation when 'kepala_keluarga' then 0 when 'suami' then 1 when 'istri' then 1 else 2 end, birth_date`,
		[id]
	);
	return { ...household, members };
}

/**
 * Corrects a household: its KK number (checked like an import's, free in the RW; the
 * stored number is kept when the field is left empty and is never shown), its house
 * (RT, block and number, as the import reads them; another RT needs the user to keep
 * that RT too) and address, and who heads it: one head of family among the people
 * living there, so the former head is given another relation in the same step. RLS
 * limits it to the RW admin and the head of the household's RT. The audit log names
 * the fields changed, never their values. Null when the household is not the user's.
 */
export async function updateHousehold(db: Database, keys: PiiKeys, user: SessionUser, id: string, form: Partial<Record<Field, string>>): Promise<HouseholdEditResult> {
	return withUser(db, claimsOf(user), async (tx): Promise<HouseholdEditResult> => {
		const [current] = await tx.query<{ id: string; rw_id: string; rt_id: string; house_id: string; kk_enc: string; kk_hash: string; address: string }>(
			'select id, rw_id, rt_id, house_id, kk_enc, kk_hash, address from household where id = $1 and rw_id = $2 for update',
			[id, user.rwId]
		);
		if (!current) return null;
		const storedKk = decryptPii(keys, 'kk', current.kk_enc);
		const typedKk = cleanId(form.kk ?? '');
		const parsed = householdSchema.safeParse({ kk: typedKk || storedKk, rt: form.rt, block: form.block, house_number: form.house_number, address: form.address });
		const errors: Partial<Record<Field, string>> = {};
		if (!parsed.success) for (const issue of parsed.error.issues) errors[issue.path[0] as Field] ??= issue.message;
		const members = await tx.query<{ id: string; relation: string; status: string }>('select id, relation, status from resident where household_id = $1 for update', [id]);
		const formerHead = members.find(isActiveHead) ?? null;
		const newHead = form.head ? members.find((m) => m.id === form.head) : undefined;
		if (form.head && (!newHead || !isActiveHead({ relation: 'kepala_keluarga', status: newHead.status }))) errors.head = 'errors.invalid_choice';
		const headChanges = !!newHead && newHead.id !== formerHead?.id;
		const formerRelation = form.former_head_relation as Relation | undefined;
		if (headChanges && formerHead && (!formerRelation || !RELATIONS.includes(formerRelation) || formerRelation === 'kepala_keluarga')) {
			errors.former_head_relation = formerRelation ? 'errors.invalid_choice' : 'errors.required';
		}
		if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
		const next = parsed.data;

		const [rt] = await tx.query<{ id: string }>('select id from rt where rw_id = $1 and number = $2', [user.rwId, next.rt]);
		if (!rt) return { ok: false, errors: { rt: 'errors.unknown_rt' } };
		if (!may(user, 'registry.write', { rtId: rt.id })) return { ok: false, errors: { rt: 'errors.rt_not_yours' } };
		const changed: Change[] = [];
		const sealed = next.kk !== storedKk ? sealKk(keys, next.kk) : null;
		if (sealed) {
			const taken = await tx.query('select 1 from app.registered_kks($1, $2) where household_id <> $3', [user.rwId, [sealed.kk_hash], id]);
			if (taken.length > 0) return { ok: false, errors: { kk: 'errors.kk_registered' } };
			changed.push('kk');
		}
		const block = normalizeHouseCode(next.block);
		const number = normalizeHouseCode(next.house_number);
		const [known] = await tx.query<{ id: string }>('select id from house where rt_id = $1 and block = $2 and number = $3', [rt.id, block, number]);
		const houseId = known?.id ?? (await ensureHouses(tx, current.rw_id, [{ rtId: rt.id, block, number }]))[0]!;
		if (houseId !== current.house_id) changed.push('house');
		if (next.address !== current.address) changed.push('address');
		if (headChanges) changed.push('head');
		if (changed.length === 0) return { ok: true, changed };

		// A KK number taken between the check and this write (two edits at once) is the
		// unique key's to refuse: the same field error, nothing written.
		await tx.query('savepoint household_edit');
		try {
			await tx.query(
				`update household set house_id = $2, address = $3, kk_enc = coalesce($4, kk_enc), kk_hash = coalesce($5, kk_hash),
				        kk_masked = coalesce($6, kk_masked), updated_at = now()
				  where id = $1`,
				[id, houseId, next.address, sealed?.kk_enc ?? null, sealed?.kk_hash ?? null, sealed?.kk_masked ?? null]
			);
		} catch (err) {
			if ((err as { code?: string }).code !== '23505') throw err;
			await tx.query('rollback to savepoint household_edit');
			return { ok: false, errors: { kk: 'errors.kk_registered' } };
		}
		if (headChanges) {
			// The former head first, so the KK never has two heads, not even within this statement list.
			if (formerHead) await tx.query('update resident set relation = $2 where id = $1', [formerHead.id, formerRelation]);
			await tx.query(`update resident set relation = 'kepala_keluarga' where id = $1`, [newHead!.id]);
		}
		await audit(tx, { rwId: current.rw_id, actorId: user.id, action: 'registry.household_update', target: id, detail: { fields: changed } });
		return { ok: true, changed };
	});
}
