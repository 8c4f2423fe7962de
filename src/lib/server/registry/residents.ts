import { AGE_GROUPS, bornOnOrBefore, parseHouseQuery, type ResidentStatus } from '$lib/domain/registry';
import { todayWib } from '$lib/domain/time';
import type { ResidentFilters } from '$lib/schemas/registry';
import { listAsUser, queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

export const PAGE_SIZE = 25;

export interface ResidentListRow {
	id: string;
	name: string;
	nik_masked: string;
	sex: 'L' | 'P';
	birth_date: string;
	status: ResidentStatus;
	relation: string;
	rt_number: number;
	block: string;
	house_number: string;
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * The resident list: search by name (word prefixes) or the last four NIK digits,
 * filters by RT, status, sex and age group, 25 per page. One query; RLS limits it
 * to what the user may see (an RT head: their RT). "Next page" is known by
 * fetching one row more, so no count over 10k rows per view.
 */
export async function searchResidents(
	db: Database,
	user: SessionUser,
	filters: ResidentFilters,
	/** The WIB day ages are counted on (a fixed day in tests). */
	today: string = todayWib()
): Promise<{ rows: ResidentListRow[]; hasNext: boolean }> {
	const age = filters.age ? AGE_GROUPS[filters.age] : null;
	const statuses: ResidentStatus[] | null =
		filters.status === 'all' ? null : !filters.status || filters.status === 'active' ? ['permanent', 'temporary'] : [filters.status];
	// Only the active filters go into the statement (still parameterised): a
	// catch-all `($n is null or …)` form gets one generic plan that can use neither
	// an index for the search nor the name order (measured: 23 req/s for a name search).
	const params: unknown[] = [user.rwId];
	const where = ['r.rw_id = $1'];
	const add = (sql: (n: string) => string, value: unknown) => {
		params.push(value);
		where.push(sql(`$${params.length}`));
	};
	// Name search by word prefix ("siti", "budi san"): the first word walks the word
	// table in (word, name) order, so a page reads only its own rows; further words
	// must each start a word of the same name. Typed `%` or `_` are separators.
	const words = filters.q ? filters.q.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean).slice(0, 4) : [];
	let from = 'resident r';
	let order = 'r.name, r.id';
	if (words.length > 0) {
		params.push(words[0], `${words[0]}\u{10FFFF}`);
		const [lo, hi] = [`$${params.length - 1}`, `$${params.length}`];
		from = 'resident_name_word w join resident r on r.id = w.resident_id';
		order = 'w.word, w.name, w.resident_id';
		where.push(
			`w.rw_id = $1 and w.word >= ${lo} and w.word < ${hi}`,
			// one row per resident: the first of their words that matches
			`not exists (select 1 from resident_name_word w2 where w2.resident_id = w.resident_id and w2.word >= ${lo} and w2.word < w.word)`
		);
		for (const word of words.slice(1)) {
			params.push(word, `${word}\u{10FFFF}`);
			where.push(`exists (select 1 from resident_name_word w3 where w3.resident_id = r.id and w3.word >= $${params.length - 1} and w3.word < $${params.length})`);
		}
	}
	if (filters.nik) add((n) => `r.nik_last4 = ${n}`, filters.nik);
	// A house (`A1 12`, `12`, `A1`): a handful of rows, found by walking the name order.
	const house = filters.house ? parseHouseQuery(filters.house) : null;
	if (house?.block) add((n) => `upper(r.house_block) = ${n}`, house.block);
	if (house?.number) add((n) => `upper(r.house_number) = ${n}`, house.number);
	if (filters.rt) add((n) => `r.rt_id = (select id from rt where rt.rw_id = $1 and rt.number = ${n}::int)`, filters.rt);
	if (statuses) add((n) => `r.status = any (${n}::text[])`, statuses);
	if (filters.sex) add((n) => `r.sex = ${n}`, filters.sex);
	if (age) {
		add((n) => `r.birth_date <= ${n}::date`, bornOnOrBefore(age[0], today));
		add((n) => `r.birth_date > ${n}::date`, bornOnOrBefore(age[1] + 1, today));
	}
	// The statement is prepared once and, after five calls, PostgreSQL may keep one
	// generic plan for it. Measured on PGlite, the plan it settles on depends on how
	// LIMIT and OFFSET are sent: as parameters, the name search keeps its walk of the
	// word index (with literals its generic plan is a hash join over the whole table,
	// 10x slower); written into the text, the other lists get a generic plan instead
	// of being planned on every call (0.2-0.4 ms less per page), each page number
	// being a statement of its own (the PGlite worker keeps the 500 last used; on
	// PostgreSQL app.read_as_user keeps 100 per connection and drops the 20 oldest, so
	// deep paging prepares again now and then). Both are integers computed here.
	const offset = (filters.page - 1) * PAGE_SIZE;
	if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad page ${filters.page}`);
	let page = `limit ${PAGE_SIZE + 1} offset ${offset}`;
	if (words.length > 0) {
		params.push(PAGE_SIZE + 1, offset);
		page = `limit $${params.length - 1} offset $${params.length}`;
	}
	const rows = await listAsUser<ResidentListRow>(
		db,
		claimsOf(user),
		// The RT number and house label live on the resident row (kept by triggers), so
		// a page walks one index — (rw_id, name, id), (rt_id, name, id) or the word
		// table's — and reads only its own rows.
		`select r.id, r.name, r.nik_masked, r.sex, r.birth_date::text as birth_date, r.status, r.relation,
		        r.rt_number, r.house_block as block, r.house_number
		   from ${from}
		  where ${where.join(' and ')}
		  order by ${order}
		  ${page}`,
		params
	);
	return { rows: rows.slice(0, PAGE_SIZE), hasNext: rows.length > PAGE_SIZE };
}

export interface ResidentDetail extends ResidentListRow {
	household_id: string;
	kk_masked: string;
	birth_place: string;
	religion: string | null;
	marital_status: string | null;
	occupation: string;
	phone: string | null;
	address: string;
	linked: boolean;
}

export async function getResident(db: Database, user: SessionUser, id: string): Promise<ResidentDetail | null> {
	const rows = await queryAsUser<ResidentDetail>(
		db,
		claimsOf(user),
		`select r.id, r.name, r.nik_masked, r.sex, r.birth_date::text as birth_date, r.status, r.relation,
		        rt.number as rt_number, h.block, h.number as house_number, r.household_id, hh.kk_masked,
		        r.birth_place, r.religion, r.marital_status, r.occupation, r.phone, hh.address,
		        r.user_id is not null as linked
		   from resident r
		   join rt on rt.id = r.rt_id
		   join household hh on hh.id = r.household_id
		   join house h on h.id = hh.house_id
		  where r.id = $1 and r.rw_id = $2`,
		[id, user.rwId]
	);
	return rows[0] ?? null;
}

export interface HouseholdView {
	id: string;
	kk_masked: string;
	address: string;
	rt_number: number;
	block: string;
	house_number: string;
	members: (Omit<ResidentListRow, 'rt_number' | 'block' | 'house_number'> & {
		birth_place: string;
		religion: string | null;
		marital_status: string | null;
		occupation: string;
	})[];
}

/** The households a resident belongs to, with every member (RLS: their own only). */
export async function myHouseholds(db: Database, user: SessionUser): Promise<HouseholdView[]> {
	return withUser(db, claimsOf(user), async (tx) => {
		const households = await tx.query<Omit<HouseholdView, 'members'>>(
			`select hh.id, hh.kk_masked, hh.address, rt.number as rt_number, h.block, h.number as house_number
			   from household hh join house h on h.id = hh.house_id join rt on rt.id = hh.rt_id
			  where hh.id in (select household_id from resident where user_id = $1)
			  order by hh.created_at`,
			[user.id]
		);
		if (households.length === 0) return [];
		const members = await tx.query<HouseholdView['members'][number] & { household_id: string }>(
			`select id, household_id, name, nik_masked, sex, birth_date::text as birth_date, status, relation,
			        birth_place, religion, marital_status, occupation
			   from resident where household_id = any ($1::uuid[])
			  order by case relation when 'kepala_keluarga' then 0 when 'suami' then 1 when 'istri' then 1 else 2 end, birth_date`,
			[households.map((h) => h.id)]
		);
		return households.map((h) => ({ ...h, members: members.filter((m) => m.household_id === h.id) }));
	});
}
