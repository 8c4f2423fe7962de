import { randomUUID } from 'node:crypto';
import type { ResidentInput } from '$lib/schemas/registry';
import { batchAsUser, queryAsUser, withUser, type Database, type Sql, type Statement } from '../db';
import { batchIn } from '../db/types';
import { audit, auditStatement } from '../audit';
import type { PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { linkByPhoneStatement, PERSON_COLUMNS } from './records';
import type { Sheet } from './spreadsheet';
import { isActiveHead, normalizeHouseCode } from '$lib/domain/registry';
import type { LocalCheck, PlannedRow, RawRow, RowError } from './row-check';
import { checkSheet } from './row-check-client';

/*
 * The registry's one write path: rows of people and their households are checked (on
 * their own, then against the registry as the user sees it) and written in one
 * transaction. The spreadsheet import, its dry run and the single add form
 * (registerResident in mutations.ts) all go through it.
 */

export type { RawRow, RowError };

export interface Plan {
	rows: PlannedRow[];
	errors: RowError[];
	/** Households the plan would create (new KK numbers). */
	newHouseholds: number;
}

/**
 * Against the registry (all RTs of the RW, through definer functions): a NIK not yet
 * registered, and a KK already registered only at the same house. Read a page of
 * `PLAN_PAGE` hashes per message (`run`: one batch), judged together by `planFrom`:
 * on PGlite each message holds the one session while it runs, and the 10,000 NIKs of
 * a large sheet read at once held it ~90–130 ms (bench/README.md, "eleventh session").
 */
async function readRegistry(run: (statements: Statement[]) => Promise<unknown[][]>, user: SessionUser, local: LocalCheck): Promise<unknown[][]> {
	const niks: unknown[] = [];
	const kks: unknown[] = [];
	const heads: unknown[] = [];
	const anyHead = local.valid.some((r) => isActiveHead(r.resident));
	for (let i = 0; i < local.nikHashes.length; i += PLAN_PAGE) {
		const [page] = await run([{ text: 'select app.registered_niks($1, $2) as h', params: [user.rwId, local.nikHashes.slice(i, i + PLAN_PAGE)] }]);
		niks.push(...page!);
	}
	for (let i = 0; i < local.kkHashes.length; i += PLAN_PAGE) {
		const page = local.kkHashes.slice(i, i + PLAN_PAGE);
		const [households, headed] = await run([
			{
				text: `select k.kk_hash, k.household_id, k.house_id, h.rt_id, h.block, h.number
				   from app.registered_kks($1, $2) k left join house h on h.id = k.house_id`,
				params: [user.rwId, page]
			},
			// Registered KKs (at the user's own houses: RLS lets them read their people) that
			// already have a head; only asked when a row is a head.
			{
				text: `select distinct household_id from resident
				  where $3::boolean and household_id in (select household_id from app.registered_kks($1, $2))
				    and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`,
				params: [user.rwId, page, anyHead]
			}
		]);
		kks.push(...households!);
		heads.push(...headed!);
	}
	return [niks, kks, heads];
}

/**
 * NIK or KK hashes per message of `readRegistry`: one page of NIKs costs PGlite
 * ~2–4 ms, one page of KKs (two reads) about as much (bench/README.md, "eleventh
 * session").
 */
export const PLAN_PAGE = 250;

type RegisteredKk = { kk_hash: string; household_id: string; house_id: string; rt_id: string; block: string; number: string };

function planFrom(local: LocalCheck, [niks, kks, heads]: unknown[][]): Plan & { householdOf: Map<string, string> } {
	const errors = [...local.errors];
	const registered = new Set((niks as { h: string }[]).map((r) => r.h));
	const households = kks as RegisteredKk[];
	const existingKk = new Map(households.map((h) => [h.kk_hash, h]));
	const headed = new Set((heads as { household_id: string }[]).map((r) => r.household_id));
	const rows: PlannedRow[] = [];
	for (const row of local.valid) {
		if (registered.has(row.nikHash)) {
			errors.push({ line: row.line, field: 'nik', message: 'errors.nik_registered' });
			continue;
		}
		const existing = existingKk.get(row.kkHash);
		// A KK already registered must be at the same house (house hidden from an RT head = another RT).
		if (existing && (existing.rt_id !== row.rtId || existing.block.toUpperCase() !== row.household.block.toUpperCase() || existing.number.toUpperCase() !== row.household.house_number.toUpperCase())) {
			errors.push({ line: row.line, field: 'kk', message: 'errors.kk_other_house' });
			continue;
		}
		if (existing && isActiveHead(row.resident) && headed.has(existing.household_id)) {
			errors.push({ line: row.line, field: 'relation', message: 'errors.head_exists' });
			continue;
		}
		rows.push(row);
	}
	errors.sort((a, b) => a.line - b.line);
	const newKks = new Set(rows.filter((r) => !existingKk.has(r.kkHash)).map((r) => r.kkHash));
	return { rows, errors, newHouseholds: newKks.size, householdOf: new Map(households.map((h) => [h.kk_hash, h.household_id])) };
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

/**
 * The RW's RTs as the user sees them, and the rows checked against them (no session
 * held; a large sheet in a worker thread, row-check-client.ts). `seal`: the valid
 * rows' NIK and KK encrypted too, unless a row has an error.
 */
async function checkLocally(db: Database, keys: PiiKeys, user: SessionUser, raw: RawRow[], seal: boolean): Promise<LocalCheck> {
	const rts = await queryAsUser<{ id: string; number: number }>(db, claimsOf(user), 'select id, number from rt where rw_id = $1', [user.rwId]);
	return checkSheet(keys, user, rts, raw, seal);
}

/**
 * Rows per chunk of a large import: each chunk is one message to the database (one
 * implicit transaction), and progress is reported after each. On PGlite a chunk
 * holds the one session while the database writes it, and a sensor's acknowledgement
 * can wait that long: a row costs ~0.4 ms of the database worker's CPU, so 12 rows
 * ~5 ms (25 held it 14 ms at the median and up to 64 ms under ingest load;
 * bench/README.md, "eleventh session").
 */
export const IMPORT_CHUNK_ROWS = 12;
const CHUNK = IMPORT_CHUNK_ROWS;

const RECORD_WRITES = `insert into import_write (import_id, rw_id, kind, row_id) select $1, $2, k, id from unnest($3::text[], $4::uuid[]) as t(k, id)`;

/**
 * The houses of $2 (RT ids), $3 (blocks), $4 (numbers), normalised, each once, in the RW
 * $1: created where missing, nothing done to those that exist (an update of an existing
 * house would re-label its households and residents through triggers). With an
 * import's id ($5), the houses it created are recorded for `removeImport`.
 */
const ENSURE_HOUSES = (recorded: boolean) => `${recorded ? 'with created as (' : ''}
	insert into house (rw_id, rt_id, block, number)
	select $1, r, b, n from unnest($2::uuid[], $3::text[], $4::text[]) as t(r, b, n)
	on conflict (rt_id, block, number) do nothing
	${recorded ? `returning id)\n\tinsert into import_write (import_id, rw_id, kind, row_id) select $5, $1, 'house', id from created` : ''}`;

/**
 * New households with the ids given ($2): each finds its house by RT, block and number
 * through the house's unique index (a scalar subquery per row, so the plan cannot turn
 * into a scan of every house however stale the planner's statistics are). A house not
 * found leaves house_id null, and the not-null constraint fails the statement.
 */
const INSERT_HOUSEHOLDS = `insert into household (id, rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked, address)
	select t.id, $1, t.r, (select h.id from house h where h.rt_id = t.r and h.block = t.b and h.number = t.n), t.e, t.x, t.m, t.a
	  from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) as t(id, r, b, n, e, x, m, a)`;

/** Residents with the ids given ($2), in households by id; their RT and house labels come from the household (trigger resident_rt). */
const INSERT_RESIDENTS = `insert into resident (id, rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place,
	                      birth_date, sex, religion, marital_status, relation, occupation, phone, status)
	select t.id, $1, t.rt_id, t.household_id, t.nik_enc, t.nik_hash, t.nik_masked, t.nik_last4, t.name, t.birth_place,
	       t.birth_date, t.sex, t.religion, t.marital_status, t.relation, t.occupation, t.phone, t.status
	  from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[],
	              $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
	       as t(id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place, birth_date,
	            sex, religion, marital_status, relation, occupation, phone, status)`;

/**
 * One chunk's write as statements that need no answer from each other, so that they
 * go to the database as one message (`batchAsUser`; on PGlite the session is never
 * held across a round trip to the main thread): the ids of new households and
 * residents are made here, houses are found by their unique key. Households are
 * written only for KKs not in `householdOf` (registered before, or written by an
 * earlier chunk); `householdOf` gains this chunk's new ones, to be kept once the
 * chunk is written. With an `importId`, the chunk records what it wrote (table
 * import_write) in the same transaction.
 */
function chunkStatements(
	rwId: string,
	importId: string | null,
	chunk: PlannedRow[],
	householdOf: ReadonlyMap<string, string>
): { statements: Statement[]; newHouseholds: Map<string, string> } {
	const newHouseholds = new Map<string, string>();
	const fresh = chunk.filter((row) => !householdOf.has(row.kkHash) && !newHouseholds.has(row.kkHash) && newHouseholds.set(row.kkHash, randomUUID()));
	const householdId = (kkHash: string) => householdOf.get(kkHash) ?? newHouseholds.get(kkHash)!;
	const statements: Statement[] = [];
	if (fresh.length > 0) {
		const houses = fresh.map((r) => ({ rt: r.rtId, block: normalizeHouseCode(r.household.block), number: normalizeHouseCode(r.household.house_number) }));
		const distinct = [...new Map(houses.map((h) => [`${h.rt}\u0000${h.block}\u0000${h.number}`, h])).values()];
		const houseColumns = [distinct.map((h) => h.rt), distinct.map((h) => h.block), distinct.map((h) => h.number)];
		statements.push({ text: ENSURE_HOUSES(importId !== null), params: [rwId, ...houseColumns, ...(importId === null ? [] : [importId])] });
		const kk = fresh.map((r) => r.sealed!.kk);
		statements.push({
			text: INSERT_HOUSEHOLDS,
			params: [
				rwId,
				fresh.map((r) => newHouseholds.get(r.kkHash)!),
				houses.map((h) => h.rt),
				houses.map((h) => h.block),
				houses.map((h) => h.number),
				kk.map((k) => k.kk_enc),
				kk.map((k) => k.kk_hash),
				kk.map((k) => k.kk_masked),
				fresh.map((r) => r.household.address)
			]
		});
	}
	const residentIds = chunk.map(() => randomUUID());
	const sealed = chunk.map((row) => row.sealed!.nik);
	const col = <K extends keyof ResidentInput>(k: K) => chunk.map((row) => row.resident[k]);
	statements.push({
		text: INSERT_RESIDENTS,
		params: [
			rwId,
			residentIds,
			chunk.map((row) => row.rtId),
			chunk.map((row) => householdId(row.kkHash)),
			sealed.map((n) => n.nik_enc),
			sealed.map((n) => n.nik_hash),
			sealed.map((n) => n.nik_masked),
			sealed.map((n) => n.nik_last4),
			...PERSON_COLUMNS.map(col)
		]
	});
	if (importId !== null) {
		const households = [...newHouseholds.values()];
		statements.push({
			text: RECORD_WRITES,
			params: [importId, rwId, [...households.map(() => 'household'), ...residentIds.map(() => 'resident')], [...households, ...residentIds]]
		});
	}
	const withPhone = residentIds.filter((_, i) => chunk[i]!.resident.phone);
	if (withPhone.length > 0) statements.push(linkByPhoneStatement({ residentIds: withPhone }));
	return { statements, newHouseholds };
}

/**
 * The planner's statistics of the tables an import grows, made true again. PGlite has
 * no autovacuum: statistics change only when someone runs ANALYZE, and the plans
 * cached by its one long-lived session (the foreign key checks, the triggers' and the
 * policies' statements) are made again only then. Analyzed while an RW's registry was
 * nearly empty (the import job analyzes after each import, also a one-row one), the
 * tables looked one page large: those plans read every row of the table for each row
 * written (a foreign key check as a sequential scan), so each chunk of a large import
 * took longer than the one before (0.1 s at first, 4.5 s after 575 of 1,500 rows, in
 * import-upload.test.ts). A large import therefore analyzes these tables whenever the
 * rows it wrote have doubled since (`ANALYZE_FIRST` rows at first), and the import job
 * once more at its end.
 *
 * Each message is short, as PGlite's one session is held while it runs (ANALYZE of
 * all of `resident` at 10,000 rows took 40–60 ms, bench/README.md, "eleventh
 * session"). `sizes` (during an import, for those cached plans, which need only the
 * tables' sizes): each table's size and row count from a sample of 300 rows, with
 * the statistics of its first column only (a key, which no plan estimates from).
 * `full` (after it): each column of each table in a statement of its own.
 */
export async function analyzeRegistry(db: Database, depth: 'sizes' | 'full' = 'full'): Promise<void> {
	const columns = await db.query<{ t: string; c: string }>(
		`select c.relname as t, a.attname as c from pg_attribute a join pg_class c on c.oid = a.attrelid
		  where c.relnamespace = 'public'::regnamespace and c.relname::text = any ($1::text[]) and a.attnum > 0 and not a.attisdropped
		  order by array_position($1::text[], c.relname::text), a.attnum`,
		[REGISTRY_TABLES]
	);
	const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
	for (const [i, { t, c }] of columns.entries()) {
		if (depth === 'full') await db.query(`analyze ${quoted(t)} (${quoted(c)})`);
		else if (i === 0 || columns[i - 1]!.t !== t) {
			await db.batch([{ text: `select set_config('default_statistics_target', '1', true)` }, { text: `analyze ${quoted(t)} (${quoted(c)})` }]);
		}
	}
}

const REGISTRY_TABLES = ['house', 'household', 'resident', 'resident_name_word', 'import_write'];

/** Rows an import writes before it first analyzes the registry's tables (`analyzeRegistry`). */
const ANALYZE_FIRST = 500;

/**
 * Removes what an unfinished import wrote (a chunk failed, or the process stopped
 * mid-import), as the server: residents, then households, then the houses it created
 * that no household uses now.
 */
export async function removeImport(db: Database, importId: string): Promise<void> {
	await db.batch([
		{ text: `delete from resident where id in (select row_id from import_write where import_id = $1 and kind = 'resident')`, params: [importId] },
		{ text: `delete from household where id in (select row_id from import_write where import_id = $1 and kind = 'household')`, params: [importId] },
		{
			text: `delete from house h where h.id in (select row_id from import_write where import_id = $1 and kind = 'house')
			          and not exists (select 1 from household x where x.house_id = h.id)`,
			params: [importId]
		},
		{ text: 'delete from import_write where import_id = $1', params: [importId] }
	]);
}

/**
 * Imports left unfinished by a process that stopped: those whose last chunk is older
 * than `idleMs` (0 at the start of the only process, PGlite; on PostgreSQL another
 * instance may be importing now). Returns how many were removed.
 */
export async function removeAbandonedImports(db: Database, idleMs: number): Promise<number> {
	const stale = await db.query<{ import_id: string }>(
		`select import_id from import_write group by import_id having max(written_at) <= now() - make_interval(secs => $1::float8 / 1000)`,
		[idleMs]
	);
	for (const { import_id } of stale) await removeImport(db, import_id);
	return stale.length;
}

/**
 * All or nothing. The rows are checked and sealed (NIK/KK encrypted) before anything
 * is written, then checked against the registry. Up to one chunk of rows (the add
 * form, a small sheet) is written in one transaction. A larger import is written a
 * chunk per message to the database (`chunkStatements`, one implicit transaction
 * each), so that the database (with PGlite: its one session) is held only while it
 * writes one chunk and is free in between for the realtime path (sensor readings go
 * first, session-gate.ts): written in one transaction, 9,000 rows held it for 1.5 s.
 * Each chunk records what it wrote under the import's id (table import_write) in its
 * own transaction. A chunk that fails rolls back whole, by itself; the import then
 * removes the earlier chunks' rows (removeImport) and fails, so the user sees the
 * import failed and nothing of it in the registry, and can run it again from the same
 * upload. A process that stops mid-import has its rows removed at its next start
 * (removeAbandonedImports). While it runs, the rows written so far are visible.
 */
export async function commitRows(
	db: Database,
	keys: PiiKeys,
	user: SessionUser,
	raw: RawRow[],
	onProgress: (done: number, total: number) => void = () => {},
	/** Runs in the writing transaction after the rows, before it commits (the add form's arrival mutation). */
	afterWrite?: (tx: Sql) => Promise<void>
): Promise<{ ok: true; residents: number; households: number } | { ok: false; errors: RowError[] }> {
	const local = await checkLocally(db, keys, user, raw, true);
	if (local.errors.length > 0) return { ok: false, errors: local.errors.sort((a, b) => a.line - b.line) };
	const rwId = user.rwId!;
	const finish = async (tx: Sql, total: number, households: number) => {
		await audit(tx, { rwId, actorId: user.id, action: 'registry.import', detail: { residents: total, households } });
		await afterWrite?.(tx);
		return { ok: true as const, residents: total, households };
	};
	if (local.valid.length <= CHUNK) {
		return withUser(db, claimsOf(user), async (tx) => {
			const plan = planFrom(local, await readRegistry((statements) => batchIn(tx, statements), user, local));
			if (plan.errors.length > 0) return { ok: false as const, errors: plan.errors };
			const written = chunkStatements(rwId, null, plan.rows, plan.householdOf);
			await batchIn(tx, written.statements);
			onProgress(plan.rows.length, plan.rows.length);
			return finish(tx, plan.rows.length, written.newHouseholds.size);
		});
	}
	// Checked again by each chunk's constraints: a NIK or KK registered meanwhile fails its chunk.
	const plan = planFrom(local, await readRegistry((statements) => batchAsUser(db, claimsOf(user), statements), user, local));
	if (plan.errors.length > 0) return { ok: false, errors: plan.errors };
	const importId = randomUUID();
	const total = plan.rows.length;
	let households = 0;
	try {
		let analyzedAt = 0;
		for (let start = 0; start < total; start += CHUNK) {
			const written = chunkStatements(rwId, importId, plan.rows.slice(start, start + CHUNK), plan.householdOf);
			await batchAsUser(db, claimsOf(user), written.statements);
			for (const [kk, id] of written.newHouseholds) plan.householdOf.set(kk, id);
			households += written.newHouseholds.size;
			const done = Math.min(total, start + CHUNK);
			if (done < total && done - analyzedAt >= Math.max(ANALYZE_FIRST, analyzedAt)) {
				await analyzeRegistry(db, 'sizes');
				analyzedAt = done;
			}
			onProgress(done, total);
		}
		const forget = { text: 'delete from import_write where import_id = $1', params: [importId] };
		if (!afterWrite) {
			await batchAsUser(db, claimsOf(user), [forget, auditStatement({ rwId, actorId: user.id, action: 'registry.import', detail: { residents: total, households } })]);
			return { ok: true, residents: total, households };
		}
		return await withUser(db, claimsOf(user), async (tx) => {
			await tx.query(forget.text, forget.params);
			return finish(tx, total, households);
		});
	} catch (err) {
		await removeImport(db, importId).catch((cleanup: unknown) => console.error(`removing the unfinished import ${importId} failed; removed at the next start`, cleanup));
		throw err;
	}
}

/** The dry run: every row checked, nothing written. */
export async function dryRun(db: Database, keys: PiiKeys, user: SessionUser, raw: RawRow[]): Promise<Plan> {
	const local = await checkLocally(db, keys, user, raw, false);
	const { rows, errors, newHouseholds } = planFrom(local, await readRegistry((statements) => batchAsUser(db, claimsOf(user), statements), user, local));
	return { rows, errors, newHouseholds };
}

/** Fields that hold a 16-digit number, which Excel cannot keep as a number. */
const ID_FIELDS = { nik: 'errors.nik_excel_number', kk: 'errors.kk_excel_number' } as const;

/**
 * Spreadsheet rows → rows of named fields, through the user's column mapping. A NIK
 * or KK cell stored as a number of 16 digits or more (a `number_precision` warning)
 * has lost its last digit in Excel, though it may still look valid: the row gets an
 * error for it.
 */
export function rowsFromSheet(sheet: Pick<Sheet, 'rows' | 'warnings'>, mapping: Partial<Record<string, number>>): RawRow[] {
	const entries = Object.entries(mapping).filter((e): e is [string, number] => typeof e[1] === 'number');
	const spoilt = new Map<number, Record<string, string>>();
	for (const warning of sheet.warnings) {
		if (warning.kind !== 'number_precision') continue;
		for (const [field, message] of Object.entries(ID_FIELDS)) {
			if (mapping[field] !== warning.column) continue;
			const fields = spoilt.get(warning.line) ?? {};
			fields[field] = message;
			spoilt.set(warning.line, fields);
		}
	}
	return sheet.rows.map((row) => {
		const values = Object.fromEntries(entries.map(([field, column]) => [field, row.cells[column] ?? '']));
		const fields = spoilt.get(row.line);
		return fields ? { line: row.line, values, spoilt: fields } : { line: row.line, values };
	});
}
