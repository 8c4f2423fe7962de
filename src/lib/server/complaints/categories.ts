import { randomBytes } from 'node:crypto';
import { checkCategory, type CategoryInput } from '../../domain/complaints';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { withUser, type Database, type Sql } from '../db';
import type { Category } from './service';

/**
 * The RW admin's complaint categories (complaints.configure, docs/complaints.md
 * "Categories"): names in Indonesian and English, where new reports go (the RT head of
 * the pin's RT or the RW admins), private by default or not, active or not. A category
 * is never deleted (complaints keep theirs); an inactive one is not offered on the form.
 */

/** A category as the editor lists it: the form's fields, whether it is offered, how many reports use it. */
export interface CategoryRow extends Category {
	active: boolean;
	used: number;
}

const asUser = <T>(db: Database, user: SessionUser, fn: (tx: Sql) => Promise<T>) => withUser(db, { sub: user.id, rw_id: user.rwId }, fn);

/** Every category of the user's RW, inactive ones too, with how many complaints use each. */
export function listAllCategories(db: Database, user: SessionUser): Promise<CategoryRow[]> {
	return asUser(db, user, (tx) =>
		tx.query<CategoryRow>(
			`select cc.id, cc.code, cc.name, cc.name_en, cc.route_to, cc.private_by_default, cc.active,
			        (select count(*)::int from complaint c where c.category_id = cc.id) as used
			   from complaint_category cc where cc.rw_id = $1 order by cc.active desc, cc.sort, cc.name`,
			[user.rwId]
		)
	);
}

export type CategoryResult = { ok: true; id: string } | { ok: false; reason: 'not_found' | 'forbidden' } | { ok: false; errors: Record<string, string> };

/** A code for a new category: letters only, as the table asks. */
const newCode = () => `custom_${[...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

/** Adds (id null) or edits a category of the user's RW; RLS lets only the RW admin write. */
export function saveCategory(db: Database, user: SessionUser, id: string | null, input: CategoryInput): Promise<CategoryResult> {
	const checked = checkCategory(input);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: checked.errors });
	const v = checked.value;
	return asUser(db, user, async (tx) => {
		const [allowed] = await tx.query<{ may: boolean }>(`select app.may('complaints.configure', $1) as may`, [user.rwId]);
		if (!allowed?.may) return { ok: false, reason: 'forbidden' };
		// The unique index on the name stays the last word (a race ends as an error, not a twin).
		const taken = await tx.query('select 1 from complaint_category where rw_id = $1 and lower(name) = lower($2) and id is distinct from $3::uuid', [user.rwId, v.name, id]);
		if (taken.length > 0) return { ok: false, errors: { name: 'complaints.error.category_taken' } };
		const rows = id
			? await tx.query<{ id: string }>(
					`update complaint_category set name = $3, name_en = $4, route_to = $5, private_by_default = $6, active = $7 where id = $1 and rw_id = $2 returning id`,
					[id, user.rwId, v.name, v.nameEn, v.routeTo, v.privateByDefault, v.active]
				)
			: await tx.query<{ id: string }>(
					`insert into complaint_category (rw_id, code, name, name_en, route_to, private_by_default, active, sort)
					 values ($1, $2, $3, $4, $5, $6, $7, (select coalesce(max(sort), 0) + 1 from complaint_category where rw_id = $1)) returning id`,
					[user.rwId, newCode(), v.name, v.nameEn, v.routeTo, v.privateByDefault, v.active]
				);
		if (rows.length === 0) return { ok: false, reason: 'not_found' };
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: id ? 'complaint_category.update' : 'complaint_category.create', target: rows[0]!.id, detail: { ...v } });
		return { ok: true, id: rows[0]!.id };
	});
}
