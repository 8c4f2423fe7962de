import type { z } from 'zod';
import { householdSchema, residentSchema, type HouseholdInput, type ResidentInput } from '$lib/schemas/registry';
import { withUser, type Database, type Sql } from '../db';
import { audit } from '../audit';
import { blindIndex, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { ensureHouse, insertResidents, sealKk } from './records';

/** One row to register: resident fields + household fields, as text (form or spreadsheet). */
export type RawRow = { line: number; values: Record<string, string | undefined> };

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

/**
 * Validates rows the way they will be written, without writing: every field,
 * NIK against birth date and sex, RT known and the user's own (an RT head),
 * duplicates within the rows and against the RW's registry, and a KK that lives
 * in one house only. Used by the dry run, the commit (again) and the single form.
 */
export async function planRows(tx: Sql, keys: PiiKeys, user: SessionUser, raw: RawRow[]): Promise<Plan> {
	const errors: RowError[] = [];
	const rts = await tx.query<{ id: string; number: number }>('select id, number from rt where rw_id = $1', [user.rwId]);
	const rtByNumber = new Map(rts.map((rt) => [rt.number, rt.id]));
	const isAdmin = user.roles.includes('rw_admin');
	const parsed: PlannedRow[] = [];

	for (const row of raw) {
		const resident = residentSchema.safeParse(row.values);
		const household = householdSchema.safeParse(row.values);
		if (!resident.success) errors.push(...issues(row.line, resident.error));
		if (!household.success) errors.push(...issues(row.line, household.error));
		if (!resident.success || !household.success) continue;
		const rtId = rtByNumber.get(household.data.rt);
		if (!rtId) {
			errors.push({ line: row.line, field: 'rt', message: 'errors.unknown_rt' });
			continue;
		}
		if (!isAdmin && !user.headOfRtIds.includes(rtId)) {
			errors.push({ line: row.line, field: 'rt', message: 'errors.rt_not_yours' });
			continue;
		}
		parsed.push({ line: row.line, resident: resident.data, household: household.data, rtId, kkHash: blindIndex(keys, 'kk', household.data.kk) });
	}

	// Within the rows: one NIK once; one KK at one house.
	const seenNik = new Map<string, number>();
	const kkHouse = new Map<string, string>();
	const houseKey = (r: PlannedRow) => `${r.rtId}|${r.household.block.toUpperCase()}|${r.household.house_number.toUpperCase()}`;
	const valid: PlannedRow[] = [];
	for (const row of parsed) {
		const nikHash = blindIndex(keys, 'nik', row.resident.nik);
		if (seenNik.has(nikHash)) {
			errors.push({ line: row.line, field: 'nik', message: 'errors.nik_duplicate_rows' });
			continue;
		}
		seenNik.set(nikHash, row.line);
		const house = kkHouse.get(row.kkHash);
		if (house && house !== houseKey(row)) {
			errors.push({ line: row.line, field: 'kk', message: 'errors.kk_house_conflict' });
			continue;
		}
		kkHouse.set(row.kkHash, houseKey(row));
		valid.push(row);
	}

	// Against the registry (all RTs of the RW, through a definer function).
	const registered = new Set(
		(await tx.query<{ h: string }>('select app.registered_niks($1, $2) as h', [user.rwId, [...seenNik.keys()]])).map((r) => r.h)
	);
	const households = await tx.query<{ kk_hash: string; house_id: string; rt_id: string; block: string; number: string }>(
		`select k.kk_hash, k.house_id, h.rt_id, h.block, h.number
		   from app.registered_kks($1, $2) k left join house h on h.id = k.house_id`,
		[user.rwId, [...kkHouse.keys()]]
	);
	const existingKk = new Map(households.map((h) => [h.kk_hash, h]));
	const rows: PlannedRow[] = [];
	for (const row of valid) {
		if (registered.has(blindIndex(keys, 'nik', row.resident.nik))) {
			errors.push({ line: row.line, field: 'nik', message: 'errors.nik_registered' });
			continue;
		}
		const existing = existingKk.get(row.kkHash);
		// A KK already registered must be at the same house (house hidden from an RT head = another RT).
		if (existing && (existing.rt_id !== row.rtId || existing.block.toUpperCase() !== row.household.block.toUpperCase() || existing.number.toUpperCase() !== row.household.house_number.toUpperCase())) {
			errors.push({ line: row.line, field: 'kk', message: 'errors.kk_other_house' });
			continue;
		}
		rows.push(row);
	}
	errors.sort((a, b) => a.line - b.line);
	const newKks = new Set(rows.filter((r) => !existingKk.has(r.kkHash)).map((r) => r.kkHash));
	return { rows, errors, newHouseholds: newKks.size };
}

/** Chunk size of inserts, and how often progress is reported. */
const CHUNK = 1000;

/**
 * All or nothing: validates again inside the transaction and writes houses,
 * households and residents only when no row has an error.
 */
export async function commitRows(
	db: Database,
	keys: PiiKeys,
	user: SessionUser,
	raw: RawRow[],
	onProgress: (done: number, total: number) => void = () => {}
): Promise<{ ok: true; residents: number; households: number } | { ok: false; errors: RowError[] }> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const plan = await planRows(tx, keys, user, raw);
		if (plan.errors.length > 0) return { ok: false as const, errors: plan.errors };
		const rwId = user.rwId!;
		const existing = new Map(
			(await tx.query<{ kk_hash: string; household_id: string }>('select kk_hash, household_id from app.registered_kks($1, $2)', [
				rwId,
				[...new Set(plan.rows.map((r) => r.kkHash))]
			])).map((h) => [h.kk_hash, h.household_id])
		);
		let households = 0;
		const total = plan.rows.length;
		for (let start = 0; start < total; start += CHUNK) {
			const chunk = plan.rows.slice(start, start + CHUNK);
			const batch: (ResidentInput & { household_id: string })[] = [];
			for (const row of chunk) {
				let householdId = existing.get(row.kkHash);
				if (!householdId) {
					const houseId = await ensureHouse(tx, { rwId, rtId: row.rtId, block: row.household.block, number: row.household.house_number });
					const sealed = sealKk(keys, row.household.kk);
					const inserted = await tx.query<{ id: string }>(
						`insert into household (rw_id, rt_id, house_id, kk_enc, kk_hash, kk_masked, address)
						 values ($1, $2, $3, $4, $5, $6, $7) returning id`,
						[rwId, row.rtId, houseId, sealed.kk_enc, sealed.kk_hash, sealed.kk_masked, row.household.address]
					);
					householdId = inserted[0]!.id;
					existing.set(row.kkHash, householdId);
					households++;
				}
				batch.push({ ...row.resident, household_id: householdId });
			}
			await insertResidents(tx, keys, rwId, batch);
			onProgress(Math.min(total, start + CHUNK), total);
		}
		await audit(tx, { rwId, actorId: user.id, action: 'registry.import', detail: { residents: total, households } });
		return { ok: true as const, residents: total, households };
	});
}

/** The dry run: every row checked, nothing written. */
export function dryRun(db: Database, keys: PiiKeys, user: SessionUser, raw: RawRow[]): Promise<Plan> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, (tx) => planRows(tx, keys, user, raw));
}

/** Spreadsheet rows → rows of named fields, through the user's column mapping. */
export function rowsFromSheet(sheet: { rows: { line: number; cells: string[] }[] }, mapping: Partial<Record<string, number>>): RawRow[] {
	const entries = Object.entries(mapping).filter((e): e is [string, number] => typeof e[1] === 'number');
	return sheet.rows.map((row) => ({
		line: row.line,
		values: Object.fromEntries(entries.map(([field, column]) => [field, row.cells[column] ?? '']))
	}));
}
