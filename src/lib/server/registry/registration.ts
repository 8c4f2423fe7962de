import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { householdSchema, parseRt, residentSchema, type HouseholdInput, type ResidentInput } from '$lib/schemas/registry';
import { cleanId } from '$lib/domain/nik';
import { batchAsUser, queryAsUser, withUser, type Database, type Sql, type Statement } from '../db';
import { batchIn } from '../db/types';
import { audit, auditStatement } from '../audit';
import { blindIndex, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { ensureHouses, insertHouseholds, insertResidents, sealKk, sealNik } from './records';
import type { Sheet } from './spreadsheet';
import { may } from '$lib/domain/permissions';

/*
 * The registry's one write path: rows of people and their households are checked (on
 * their own, then against the registry as the user sees it) and written in one
 * transaction. The spreadsheet import, its dry run and the single add form
 * (registerResident in mutations.ts) all go through it.
 */

/**
 * One row to register: resident fields + household fields, as text (form or
 * spreadsheet). `spoilt`: fields whose cell the file itself made wrong, with the
 * message (i18n key) to show instead of checking the value.
 */
export type RawRow = { line: number; values: Record<string, string | undefined>; spoilt?: Record<string, string> };

export interface RowError {
	line: number;
	field: string;
	message: string; // i18n key
}

interface PlannedRow {
	line: number;
	resident: ResidentInput;
	household: HouseholdInput;
	rtId: string;
	kkHash: string;
	nikHash: string;
}

export interface Plan {
	rows: PlannedRow[];
	errors: RowError[];
	/** Households the plan would create (new KK numbers). */
	newHouseholds: number;
}

function issues(line: number, error: z.ZodError): RowError[] {
	return error.issues.map((i) => ({ line, field: String(i.path[0] ?? 'row'), message: i.message }));
}

/** The rows checked on their own, before the registry is consulted. */
interface LocalCheck {
	valid: PlannedRow[];
	errors: RowError[];
	nikHashes: string[];
	kkHashes: string[];
}

/**
 * Everything that needs no database: every field, NIK against birth date and sex, RT
 * known and the user's own (an RT head), one NIK once and one KK at one house within
 * the rows. Runs before a transaction opens, so a large sheet does not hold the
 * (PGlite: single) database session while JavaScript works through it.
 */
async function checkRows(keys: PiiKeys, user: SessionUser, rts: { id: string; number: number }[], raw: RawRow[]): Promise<LocalCheck> {
	const errors: RowError[] = [];
	const rtByNumber = new Map(rts.map((rt) => [rt.number, rt.id]));
	const parsed: PlannedRow[] = [];
	// A NIK typed on two rows is an error of each of them, whatever else is wrong with
	// either (a NIK copied onto a relative usually also disagrees with their birth date).
	const nikLines = new Map<string, number>();
	for (const row of raw) {
		const nik = cleanId(row.values.nik ?? '');
		if (nik !== '') nikLines.set(nik, (nikLines.get(nik) ?? 0) + 1);
	}

	for (const [i, row] of raw.entries()) {
		if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEvents();
		const resident = residentSchema.safeParse(row.values);
		const household = householdSchema.safeParse(row.values);
		// A spoilt field's own message replaces what its (unreliable) value would get.
		const spoilt = row.spoilt ?? {};
		const rowErrors = [
			...Object.entries(spoilt).map(([field, message]) => ({ line: row.line, field, message })),
			...[resident, household].flatMap((r) => (r.success ? [] : issues(row.line, r.error))).filter((e) => !Object.hasOwn(spoilt, e.field))
		];
		if ((nikLines.get(cleanId(row.values.nik ?? '')) ?? 0) > 1 && !Object.hasOwn(spoilt, 'nik')) {
			rowErrors.push({ line: row.line, field: 'nik', message: 'errors.nik_duplicate_rows' });
		}
		// The RT is checked whenever it can be read, so a row of another RT says so even
		// when another of its fields is wrong too (all of a row's errors at once).
		const rtNumber = parseRt(row.values.rt ?? '');
		const rtId = rtNumber === null ? undefined : rtByNumber.get(rtNumber);
		if (rtNumber !== null && !rowErrors.some((e) => e.field === 'rt')) {
			if (!rtId) rowErrors.push({ line: row.line, field: 'rt', message: 'errors.unknown_rt' });
			else if (!may(user, 'registry.write', { rtId })) rowErrors.push({ line: row.line, field: 'rt', message: 'errors.rt_not_yours' });
		}
		errors.push(...rowErrors);
		if (rowErrors.length > 0 || !resident.success || !household.success || !rtId) continue;
		parsed.push({
			line: row.line,
			resident: resident.data,
			household: household.data,
			rtId,
			kkHash: blindIndex(keys, 'kk', household.data.kk),
			nikHash: blindIndex(keys, 'nik', resident.data.nik)
		});
	}

	// Within the rows: one KK at one house; one head of family per KK.
	const seenNik = new Set<string>();
	const kkHouse = new Map<string, string>();
	const headed = new Set<string>();
	const valid: PlannedRow[] = [];
	for (const row of parsed) {
		seenNik.add(row.nikHash);
		const house = kkHouse.get(row.kkHash);
		if (house && house !== houseKey(row)) {
			errors.push({ line: row.line, field: 'kk', message: 'errors.kk_house_conflict' });
			continue;
		}
		kkHouse.set(row.kkHash, houseKey(row));
		if (isActiveHead(row.resident)) {
			if (headed.has(row.kkHash)) {
				errors.push({ line: row.line, field: 'relation', message: 'errors.head_twice' });
				continue;
			}
			headed.add(row.kkHash);
		}
		valid.push(row);
	}
	return { valid, errors, nikHashes: [...seenNik], kkHashes: [...kkHouse.keys()] };
}

/** A KK has one head of family among the people living there (a KK lists one "Kepala Keluarga"). */
export const isActiveHead = (r: { relation: string | null; status: string }) => r.relation === 'kepala_keluarga' && (r.status === 'permanent' || r.status === 'temporary');

const houseKey = (r: PlannedRow) => `${r.rtId}|${r.household.block.toUpperCase()}|${r.household.house_number.toUpperCase()}`;

/**
 * Against the registry (all RTs of the RW, through definer functions): a NIK not yet
 * registered, and a KK already registered only at the same house. Three reads, sent
 * together (`registryReads`), judged by `planFrom`.
 */
function registryReads(user: SessionUser, local: LocalCheck): Statement[] {
	return [
		{ text: 'select app.registered_niks($1, $2) as h', params: [user.rwId, local.nikHashes] },
		{
			text: `select k.kk_hash, k.household_id, k.house_id, h.rt_id, h.block, h.number
			   from app.registered_kks($1, $2) k left join house h on h.id = k.house_id`,
			params: [user.rwId, local.kkHashes]
		},
		// Registered KKs (at the user's own houses: RLS lets them read their people) that
		// already have a head; only asked when a row is a head.
		{
			text: `select distinct household_id from resident
			  where $3::boolean and household_id in (select household_id from app.registered_kks($1, $2))
			    and relation = 'kepala_keluarga' and status in ('permanent', 'temporary')`,
			params: [user.rwId, local.kkHashes, local.valid.some((r) => isActiveHead(r.resident))]
		}
	];
}

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
 * Checking and sealing a row takes CPU on the main thread, where MQTT acknowledgements
 * are sent too: a 10,000-row sheet in one go would hold them up for seconds. Every
 * this many rows the work lets pending events run.
 */
const YIELD_EVERY = 250;
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The RW's RTs as the user sees them, and the rows checked against them (no session held). */
async function checkLocally(db: Database, keys: PiiKeys, user: SessionUser, raw: RawRow[]): Promise<LocalCheck> {
	const rts = await queryAsUser<{ id: string; number: number }>(db, claimsOf(user), 'select id, number from rt where rw_id = $1', [user.rwId]);
	return checkRows(keys, user, rts, raw);
}

/**
 * Rows per chunk: each chunk is one short transaction, and progress is reported after
 * each. 500-row chunks held PGlite's one session for up to ~200 ms, and a sensor's
 * acknowledgement waited that long behind one (bench:ingest, admin load); 100-row
 * chunks hold it a fifth as long, for a slower import.
 */
export const IMPORT_CHUNK_ROWS = 25;
const CHUNK = IMPORT_CHUNK_ROWS;

type Written = { kind: 'house' | 'household' | 'resident'; ids: string[] };

/**
 * Writes one chunk's houses, households and residents (only new households: a KK seen
 * in an earlier chunk or already registered is in `householdOf`). Returns what it
 * created, for the import's record.
 */
async function writeChunk(
	tx: Sql,
	keys: PiiKeys,
	rwId: string,
	chunk: PlannedRow[],
	householdOf: Map<string, string>,
	sealedKk: Map<string, ReturnType<typeof sealKk>>,
	sealedNik: Map<PlannedRow, ReturnType<typeof sealNik>>
): Promise<Written[]> {
	// New households of this chunk (first row of each KK), in their houses.
	const taken = new Set<string>();
	const fresh = chunk.filter((row) => !householdOf.has(row.kkHash) && !taken.has(row.kkHash) && taken.add(row.kkHash));
	const houses = new Set<string>();
	let households: string[] = [];
	if (fresh.length > 0) {
		const houseIds = await ensureHouses(
			tx,
			rwId,
			fresh.map((r) => ({ rtId: r.rtId, block: r.household.block, number: r.household.house_number })),
			houses
		);
		households = await insertHouseholds(
			tx,
			rwId,
			fresh.map((r, i) => ({ rtId: r.rtId, houseId: houseIds[i]!, kk: sealedKk.get(r.kkHash)!, address: r.household.address }))
		);
		fresh.forEach((r, i) => householdOf.set(r.kkHash, households[i]!));
	}
	const residents = await insertResidents(
		tx,
		keys,
		rwId,
		chunk.map((row) => ({ ...row.resident, household_id: householdOf.get(row.kkHash)! })),
		chunk.map((row) => sealedNik.get(row)!)
	);
	return [
		{ kind: 'house', ids: [...houses] },
		{ kind: 'household', ids: households },
		{ kind: 'resident', ids: residents }
	];
}

const RECORD_WRITES = `insert into import_write (import_id, rw_id, kind, row_id) select $1, $2, k, id from unnest($3::text[], $4::uuid[]) as t(k, id)`;

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
 * chunk per short transaction, so that the database (with PGlite: its one session) is
 * free between chunks for the realtime path (sensor readings go first, session-gate.ts):
 * written in one transaction, 9,000 rows held it for 1.5 s. Each chunk records what it
 * wrote under the import's id (table import_write); a chunk that fails removes the
 * earlier chunks' rows (removeImport), and a process that stops mid-import has them
 * removed at its next start. While it runs, the rows written so far are visible.
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
	const local = await checkLocally(db, keys, user, raw);
	if (local.errors.length > 0) return { ok: false, errors: local.errors.sort((a, b) => a.line - b.line) };
	const rwId = user.rwId!;
	const sealedKk = new Map<string, ReturnType<typeof sealKk>>();
	const sealedNik = new Map<PlannedRow, ReturnType<typeof sealNik>>();
	for (const [i, r] of local.valid.entries()) {
		if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEvents();
		if (!sealedKk.has(r.kkHash)) sealedKk.set(r.kkHash, sealKk(keys, r.household.kk));
		sealedNik.set(r, sealNik(keys, r.resident.nik));
	}
	const finish = async (tx: Sql, total: number, households: number) => {
		await audit(tx, { rwId, actorId: user.id, action: 'registry.import', detail: { residents: total, households } });
		await afterWrite?.(tx);
		return { ok: true as const, residents: total, households };
	};
	if (local.valid.length <= CHUNK) {
		return withUser(db, claimsOf(user), async (tx) => {
			const plan = planFrom(local, await batchIn(tx, registryReads(user, local)));
			if (plan.errors.length > 0) return { ok: false as const, errors: plan.errors };
			const written = await writeChunk(tx, keys, rwId, plan.rows, plan.householdOf, sealedKk, sealedNik);
			onProgress(plan.rows.length, plan.rows.length);
			return finish(tx, plan.rows.length, written.find((w) => w.kind === 'household')!.ids.length);
		});
	}
	// Checked again by each chunk's constraints: a NIK or KK registered meanwhile fails its chunk.
	const plan = planFrom(local, await batchAsUser(db, claimsOf(user), registryReads(user, local)));
	if (plan.errors.length > 0) return { ok: false, errors: plan.errors };
	const importId = randomUUID();
	const total = plan.rows.length;
	let households = 0;
	try {
		for (let start = 0; start < total; start += CHUNK) {
			const chunk = plan.rows.slice(start, start + CHUNK);
			await withUser(db, claimsOf(user), async (tx) => {
				const written = await writeChunk(tx, keys, rwId, chunk, plan.householdOf, sealedKk, sealedNik);
				households += written.find((w) => w.kind === 'household')!.ids.length;
				// One statement for the chunk's record: each round trip keeps the session held.
				const kinds = written.flatMap(({ kind, ids }) => ids.map(() => kind));
				if (kinds.length > 0) await tx.query(RECORD_WRITES, [importId, rwId, kinds, written.flatMap(({ ids }) => ids)]);
			});
			onProgress(Math.min(total, start + CHUNK), total);
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
	const local = await checkLocally(db, keys, user, raw);
	const { rows, errors, newHouseholds } = planFrom(local, await batchAsUser(db, claimsOf(user), registryReads(user, local)));
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
