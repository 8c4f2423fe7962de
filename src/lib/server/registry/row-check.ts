// The registry import's rows checked on their own and sealed: CPU work with no
// database, run in a worker thread for a large sheet (row-check-worker.ts) so that
// the main thread, where the MQTT broker reads the sensors' sockets, stays free
// (docs/architecture.md, "Threads"). Imports are relative or `$lib` (see
// workers/start.ts), and nothing here may import the database modules: the worker
// loads this module alone.
import type { z } from 'zod';
import { householdSchema, parseRt, residentSchema, type HouseholdInput, type ResidentInput } from '../../schemas/registry';
import { cleanId } from '../../domain/nik';
import { may, type Actor } from '../../domain/permissions';
import { isActiveHead } from '../../domain/registry';
import { blindIndex, type PiiKeys } from '../crypto/pii';
import { sealKk, sealNik, type SealedKk, type SealedNik } from './sealing';

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

export interface PlannedRow {
	line: number;
	resident: ResidentInput;
	household: HouseholdInput;
	rtId: string;
	kkHash: string;
	nikHash: string;
	/** The row's NIK and its KK encrypted, when asked for (`seal`) and no row has an error. */
	sealed?: { nik: SealedNik; kk: SealedKk };
}

/** The rows checked on their own, before the registry is consulted. */
export interface LocalCheck {
	valid: PlannedRow[];
	errors: RowError[];
	nikHashes: string[];
	kkHashes: string[];
}

function issues(line: number, error: z.ZodError): RowError[] {
	return error.issues.map((i) => ({ line, field: String(i.path[0] ?? 'row'), message: i.message }));
}

const houseKey = (r: PlannedRow) => `${r.rtId}|${r.household.block.toUpperCase()}|${r.household.house_number.toUpperCase()}`;

/**
 * Everything that needs no database: every field, NIK against birth date and sex, RT
 * known and the user's own (an RT head), one NIK once and one KK at one house within
 * the rows. With `seal`, when no row has an error, each valid row's NIK and KK are
 * encrypted too (a KK once). Runs before a transaction opens, so a large sheet does
 * not hold the (PGlite: single) database session while JavaScript works through it.
 */
export function checkRows(keys: PiiKeys, user: Actor, rts: { id: string; number: number }[], raw: RawRow[], seal: boolean): LocalCheck {
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

	for (const row of raw) {
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
	if (seal && errors.length === 0) {
		const kks = new Map<string, SealedKk>();
		for (const row of valid) {
			let kk = kks.get(row.kkHash);
			if (!kk) kks.set(row.kkHash, (kk = sealKk(keys, row.household.kk)));
			row.sealed = { nik: sealNik(keys, row.resident.nik), kk };
		}
	}
	return { valid, errors, nikHashes: [...seenNik], kkHashes: [...kkHouse.keys()] };
}
