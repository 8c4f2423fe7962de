import { normalizeHouseCode } from '$lib/domain/registry';
import type { Sql, Statement } from '../db';
import type { PiiKeys } from '../crypto/pii';
import { sealNik, type SealedKk, type SealedNik } from './sealing';
import type { ResidentInput } from '$lib/schemas/registry';

/** A resident's plain columns, in the order the resident inserts take them after the NIK's. */
export const PERSON_COLUMNS = ['name', 'birth_place', 'birth_date', 'sex', 'religion', 'marital_status', 'relation', 'occupation', 'phone', 'status'] as const;

/**
 * Finds or creates houses (block + number in an RT) in one statement; returns their
 * ids in the order given (repeats get the same id). Block and number are normalised
 * (`normalizeHouseCode`: `c7 21b` is `C7 21B`), as the database requires.
 */
export async function ensureHouses(
	tx: Sql,
	rwId: string,
	houses: { rtId: string; block: string; number: string }[],
	/** Filled with the ids of the houses this statement created (not found). */
	created?: Set<string>
): Promise<string[]> {
	const key = (h: { rtId?: string; rt_id?: string; block: string; number: string }) =>
		`${h.rtId ?? h.rt_id}\u0000${normalizeHouseCode(h.block)}\u0000${normalizeHouseCode(h.number)}`;
	const distinct = [...new Map(houses.map((h) => [key(h), h])).values()];
	const rows = await tx.query<{ id: string; rt_id: string; block: string; number: string; created: boolean }>(
		`insert into house (rw_id, rt_id, block, number)
		 select $1, r, b, n from unnest($2::uuid[], $3::text[], $4::text[]) as t(r, b, n)
		 on conflict (rt_id, block, number) do update set block = excluded.block
		 returning id, rt_id, block, number, xmax = 0 as created`,
		[rwId, distinct.map((h) => h.rtId), distinct.map((h) => normalizeHouseCode(h.block)), distinct.map((h) => normalizeHouseCode(h.number))]
	);
	const ids = new Map(rows.map((r) => [key(r), r.id]));
	if (created) for (const r of rows) if (r.created) created.add(r.id);
	return houses.map((h) => ids.get(key(h))!);
}

/** Inserts households of one RW in one statement (unnest); returns their ids in order. */
export async function insertHouseholds(
	tx: Sql,
	rwId: string,
	households: { rtId: string; houseId: string; kk: SealedKk; address: string }[]
): Promise<string[]> {
	if (households.length === 0) return [];
	const rows = await tx.query<{ id: string }>(
		`insert into household (rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked, address)
		 select $1, r, h, e, x, m, a from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) with ordinality as t(r, h, e, x, m, a, o)
		 order by o returning id`,
		[
			rwId,
			households.map((h) => h.rtId),
			households.map((h) => h.houseId),
			households.map((h) => h.kk.kk_enc),
			households.map((h) => h.kk.kk_hash),
			households.map((h) => h.kk.kk_masked),
			households.map((h) => h.address)
		]
	);
	return rows.map((r) => r.id);
}

/** Inserts residents of one RW in one statement (unnest), as the caller's role. */
export async function insertResidents(
	tx: Sql,
	keys: PiiKeys,
	rwId: string,
	residents: (ResidentInput & { household_id: string })[],
	/** Their NIKs already sealed (in the same order), to keep encryption out of a long transaction. */
	sealedNiks?: SealedNik[]
): Promise<string[]> {
	if (residents.length === 0) return [];
	const sealed = residents.map((r, i) => ({ ...r, ...(sealedNiks?.[i] ?? sealNik(keys, r.nik)) }));
	const col = <K extends keyof (typeof sealed)[number]>(k: K) => sealed.map((r) => r[k]);
	const rows = await tx.query<{ id: string }>(
		`insert into resident (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place,
		                       birth_date, sex, religion, marital_status, relation, occupation, phone, status)
		 select $1, h.rt_id, t.household_id, t.nik_enc, t.nik_hash, t.nik_masked, t.nik_last4, t.name, t.birth_place,
		        t.birth_date, t.sex, t.religion, t.marital_status, t.relation, t.occupation, t.phone, t.status
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
			...PERSON_COLUMNS.map(col)
		]
	);
	const ids = rows.map((r) => r.id);
	const withPhone = ids.filter((_, i) => sealed[i]!.phone);
	if (withPhone.length > 0) await linkByPhone(tx, { residentIds: withPhone });
	return ids;
}

/**
 * Links resident records to app accounts, so members see their household at
 * /household: when a record is written with a phone, when its phone is corrected, and
 * when a member joins. The rule is the database's (`app.link_by_phone`, migration
 * 20261207000200_database_guard.sql): a record of someone living here is linked to a
 * resident member of its RW whose phone it carries (not to an RT head whose number a
 * household gives as its contact), who belongs to the record's RT and, when their
 * membership is bound to a house (an invite to that house), to the record's house;
 * never across RTs or houses, so a mistyped or shared number cannot open a stranger's
 * household. Only unlinked records are touched. The API roles cannot write
 * `resident.user_id` themselves: as the caller, only records they may write are
 * linked; as the owner (invite redemption), every record the member's phone matches.
 */
export async function linkByPhone(tx: Sql, target: { residentIds: string[] } | { userId: string; rwId: string }): Promise<number> {
	const { text, params } = linkByPhoneStatement(target);
	const [rows] = await tx.query<{ linked: number }>(text, params);
	return rows?.linked ?? 0;
}

/** `linkByPhone` as a statement for a batch; its one row's `linked` says how many records it linked. */
export function linkByPhoneStatement(target: { residentIds: string[] } | { userId: string; rwId: string }): Statement {
	return 'residentIds' in target
		? { text: 'select app.link_residents_by_phone($1::uuid[]) as linked', params: [target.residentIds] }
		: { text: 'select app.link_by_phone(null, $1, $2) as linked', params: [target.userId, target.rwId] };
}
