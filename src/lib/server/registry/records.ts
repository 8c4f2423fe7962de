import { maskId } from '$lib/domain/nik';
import type { Sql } from '../db';
import { blindIndex, encryptPii, type PiiKeys } from '../crypto/pii';
import type { ResidentInput } from '$lib/schemas/registry';

/** The stored form of a NIK: ciphertext, blind index, mask and last four digits. */
export function sealNik(keys: PiiKeys, nik: string) {
	return { nik_enc: encryptPii(keys, 'nik', nik), nik_hash: blindIndex(keys, 'nik', nik), nik_masked: maskId(nik), nik_last4: nik.slice(-4) };
}

export function sealKk(keys: PiiKeys, kk: string) {
	return { kk_enc: encryptPii(keys, 'kk', kk), kk_hash: blindIndex(keys, 'kk', kk), kk_masked: maskId(kk) };
}

/** Finds or creates the house (block + number in an RT); returns its id. */
export async function ensureHouse(tx: Sql, input: { rwId: string; rtId: string; block: string; number: string }): Promise<string> {
	const rows = await tx.query<{ id: string }>(
		`insert into house (rw_id, rt_id, block, number) values ($1, $2, $3, $4)
		 on conflict (rt_id, block, number) do update set block = excluded.block
		 returning id`,
		[input.rwId, input.rtId, input.block, input.number]
	);
	return rows[0]!.id;
}

/** Inserts residents of one RW in one statement (unnest), as the caller's role. */
export async function insertResidents(
	tx: Sql,
	keys: PiiKeys,
	rwId: string,
	residents: (ResidentInput & { household_id: string })[]
): Promise<string[]> {
	if (residents.length === 0) return [];
	const sealed = residents.map((r) => ({ ...r, ...sealNik(keys, r.nik) }));
	const col = <K extends keyof (typeof sealed)[number]>(k: K) => sealed.map((r) => r[k]);
	const rows = await tx.query<{ id: string }>(
		`insert into resident (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place,
		                       birth_date, sex, religion, marital_status, relation, occupation, phone, status, user_id)
		 select $1, h.rt_id, t.household_id, t.nik_enc, t.nik_hash, t.nik_masked, t.nik_last4, t.name, t.birth_place,
		        t.birth_date, t.sex, t.religion, t.marital_status, t.relation, t.occupation, t.phone, t.status,
		        -- Link the record to the member's account when the phone matches (they can then see their household).
		        (select m.user_id from membership m join app_user u on u.id = m.user_id
		          where m.rw_id = $1 and u.phone = t.phone limit 1)
		   from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::date[],
		               $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
		        with ordinality as t(household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place, birth_date,
		                             sex, religion, marital_status, relation, occupation, phone, status, ord)
		   join household h on h.id = t.household_id
		  order by t.ord
		 returning id`,
		[
			rwId,
			col('household_id'),
			col('nik_enc'),
			col('nik_hash'),
			col('nik_masked'),
			col('nik_last4'),
			col('name'),
			col('birth_place'),
			col('birth_date'),
			col('sex'),
			col('religion'),
			col('marital_status'),
			col('relation'),
			col('occupation'),
			col('phone'),
			col('status')
		]
	);
	return rows.map((r) => r.id);
}
