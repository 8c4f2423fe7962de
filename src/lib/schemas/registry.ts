import { z } from 'zod';
import { optionalNumber, pastDate } from './fields';
import { checkKk, checkNik, cleanId, parseNik, type IdError } from '$lib/domain/nik';
import { normalizePhone } from '$lib/domain/phone';
import {
	AGE_GROUPS,
	ARRIVALS,
	MARITAL_STATUSES,
	OCCUPANCIES,
	normalizeHouseCode,
	parseDate,
	parseHouseAddress,
	parseMarital,
	parseRelation,
	parseReligion,
	parseSex,
	parseStatus,
	RELATIONS,
	RELIGIONS,
	RESIDENT_STATUSES
} from '$lib/domain/registry';

// One schema for the resident form and for every imported spreadsheet row.
// Messages are i18n keys; each NIK failure has its own message, so a person knows which part to fix.

const text = (max: number) => z.string().trim().max(max, 'errors.too_long');
const optionalText = (max: number) => text(max).optional().default('');

/** Accepts the enum value or the words people write (Laki-laki, Kristen Protestan…). */
function vocab<T extends string>(values: readonly T[], parse: (s: string) => T | null, required: boolean) {
	return z
		.string()
		.trim()
		.optional()
		.transform((v, ctx) => {
			if (!v) {
				if (required) ctx.addIssue({ code: 'custom', message: 'errors.required' });
				return null;
			}
			const value = (values as readonly string[]).includes(v) ? (v as T) : parse(v);
			if (!value) ctx.addIssue({ code: 'custom', message: 'errors.invalid_choice' });
			return value;
		});
}

/**
 * NIK or KK on its own: shape, region code, and for a NIK a real date in digits 7–12.
 * Checked at field level, so a row reports it next to every other field's error.
 */
const idField = (kind: 'nik' | 'kk') =>
	z
		.string({ error: 'errors.required' })
		.transform((v) => cleanId(v))
		.superRefine((v, ctx) => {
			const error = kind === 'kk' ? checkKk(v) : nikFormatError(v);
			if (error) ctx.addIssue({ code: 'custom', message: idMessage(kind, error) });
		});

function nikFormatError(nik: string): IdError | null {
	const parsed = parseNik(nik);
	return parsed.ok ? null : parsed.error;
}

export function idMessage(kind: 'nik' | 'kk', error: IdError): string {
	return `errors.${kind}_${error}`;
}

/** The fields the NIK is compared with; the comparison needs all three parsed. */
const NIK_PERSON_FIELDS: ReadonlySet<PropertyKey> = new Set(['nik', 'birth_date', 'sex']);

export const residentSchema = z
	.object({
		nik: idField('nik'),
		name: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(100, 'errors.too_long'),
		birth_place: optionalText(60),
		birth_date: pastDate(),
		sex: vocab(['L', 'P'] as const, parseSex, true),
		religion: vocab(RELIGIONS, parseReligion, false),
		marital_status: vocab(MARITAL_STATUSES, parseMarital, false),
		relation: vocab(RELATIONS, parseRelation, true),
		occupation: optionalText(60),
		phone: z
			.string()
			.trim()
			.optional()
			.transform((v, ctx) => {
				if (!v) return null;
				const phone = normalizePhone(v);
				if (!phone) ctx.addIssue({ code: 'custom', message: 'errors.phone_invalid' });
				return phone;
			}),
		status: vocab(RESIDENT_STATUSES, parseStatus, false).transform((v) => v ?? 'permanent')
	})
	.superRefine(
		(r, ctx) => {
			// NIK digits 7–12 must agree with the birth date and sex (day + 40 for women).
			if (!r.sex) return;
			const error = checkNik(r.nik, { birthDate: r.birth_date, sex: r.sex });
			if (error) ctx.addIssue({ code: 'custom', path: ['nik'], message: idMessage('nik', error) });
		},
		// Runs whenever the NIK, birth date and sex parsed, whatever other fields say
		// (without `when`, zod skips an object refinement once any field has failed).
		{ when: (payload) => !payload.issues.some((issue) => NIK_PERSON_FIELDS.has(issue.path?.[0] ?? '')) }
	);

export type ResidentInput = z.output<typeof residentSchema>;

/**
 * How the person on the add form arrived (fields `arrival`, `arrival_date`): null when
 * they already lived here when the register began. A birth happens on the birth date
 * unless another day is typed.
 */
export const arrivalSchema = z
	.object({
		arrival: z
			.string()
			.optional()
			.transform((v) => v || 'resident')
			.pipe(z.enum(ARRIVALS, { error: 'errors.invalid_choice' })),
		arrival_date: z.string().trim().optional(),
		birth_date: z.string().trim().optional()
	})
	.transform((v, ctx) => {
		if (v.arrival === 'resident') return null;
		const typed = v.arrival_date || (v.arrival === 'born' ? (v.birth_date ?? '') : '');
		const occurredOn = parseDate(typed);
		if (!occurredOn) {
			ctx.addIssue({ code: 'custom', path: ['arrival_date'], message: typed ? 'errors.date_invalid' : 'errors.required' });
			return z.NEVER;
		}
		return { kind: v.arrival, occurredOn };
	});

export type ArrivalInput = z.output<typeof arrivalSchema>;

/**
 * An RT number as RT spreadsheets write it: `1`, `001`, `RT 001`, `RT.01`, `RT-1`, or
 * RT and RW together (`01/05`, `RT 01/RW 05`, `RT 001 RW 005`). Only the RT part is
 * read: the RW is the user's own. Null when no RT number can be read.
 */
export function parseRt(input: string): number | null {
	const match = RT_PATTERN.exec(input.trim());
	return match ? Number(match[1]) : null;
}

const RT_PATTERN = /^(?:rt\s*[.:-]?\s*)?(\d+)(?:\s*\/\s*(?:rw\s*[.:-]?\s*)?\d+|\s*,?\s*rw\s*[.:-]?\s*\d+)?$/i;

export const householdSchema = z.object({
	kk: idField('kk'),
	rt: z
		.string({ error: 'errors.required' })
		.trim()
		.transform((v, ctx) => {
			if (!v) {
				ctx.addIssue({ code: 'custom', message: 'errors.required' });
				return z.NEVER;
			}
			const rt = parseRt(v);
			if (rt === null || rt < 1 || rt > 999) {
				ctx.addIssue({ code: 'custom', message: rt === null ? 'errors.rt_unreadable' : 'errors.unknown_rt' });
				return z.NEVER;
			}
			return rt;
		}),
	block: optionalText(20),
	// Up to 40 before an address (`Blok C9 Nomor 23A`) is split; 20 after.
	house_number: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(40, 'errors.too_long'),
	address: optionalText(300),
	occupancy: z.enum(OCCUPANCIES, { error: 'errors.invalid_choice' }).optional()
}).transform((h, ctx) => {
	// A whole address in the house number (`Blok C9 No. 23`, one column in many RT
	// sheets) is split into block and number, so the search finds `C9 23`. A block
	// typed as well must be the same one.
	const address = parseHouseAddress(h.house_number);
	if (address) {
		if (h.block !== '' && normalizeHouseCode(h.block).replace(/[\s.-]+/g, '') !== address.block) {
			ctx.addIssue({ code: 'custom', path: ['house_number'], message: 'errors.house_block_conflict' });
			return z.NEVER;
		}
		return { ...h, block: address.block, house_number: address.number };
	}
	if (h.house_number.length > 20) {
		ctx.addIssue({ code: 'custom', path: ['house_number'], message: 'errors.too_long' });
		return z.NEVER;
	}
	return h;
});

export type HouseholdInput = z.output<typeof householdSchema>;

/**
 * A search word as the list's form sends it: at most `max` characters (the form's
 * maxlength; a longer one is not typed, it is crafted) and no control characters
 * (PostgreSQL refuses a NUL in text).
 */
const searchText = (max: number) =>
	z
		.string()
		.trim()
		.max(max, 'errors.too_long')
		.refine((v) => ![...v].some((c) => c < ' ' || c === '\u007f'), 'registry.search_invalid')
		.optional()
		.transform((v) => v || undefined);

/** Search and filters of the resident list (query string); parse with safeParse: bad words are a 400. */
export const residentFiltersSchema = z.object({
	q: searchText(60),
	house: searchText(30),
	nik: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v && /^\d{4}$/.test(v) ? v : undefined)),
	rt: z.coerce.number().int().min(1).max(999).optional().catch(undefined),
	status: z.enum([...RESIDENT_STATUSES, 'all', 'active'] as const).optional().catch(undefined),
	sex: z.enum(['L', 'P']).optional().catch(undefined),
	age: z.enum(Object.keys(AGE_GROUPS) as [keyof typeof AGE_GROUPS]).optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined).transform((v) => v ?? 1)
});

export type ResidentFilters = z.output<typeof residentFiltersSchema>;

export const revealSchema = z.object({
	field: z.enum(['nik', 'kk'], { error: 'errors.invalid_choice' }),
	reason: z.string({ error: 'errors.required' }).trim().min(3, 'errors.reason_short').max(200, 'errors.too_long')
});

export const mutationSchema = z.object({
	kind: z.enum(['moved_in', 'moved_out', 'born', 'died', 'changed_household'], { error: 'errors.invalid_choice' }),
	occurredOn: pastDate(),
	note: z.string().trim().max(500, 'errors.too_long').default(''),
	toKk: z
		.string()
		.optional()
		.transform((v) => (v ? cleanId(v) : undefined))
});

/** Voiding a wrongly recorded mutation: which one, and why (kept on the row). */
export const mutationVoidSchema = z.object({
	mutationId: z.uuid('errors.invalid_choice'),
	reason: z.string({ error: 'errors.required' }).trim().min(3, 'errors.reason_short').max(500, 'errors.too_long')
});

export const correctionSchema = z.object({
	householdId: z.uuid('errors.invalid_choice'),
	residentId: z
		.string()
		.optional()
		.transform((v) => v || null)
		.pipe(z.uuid('errors.invalid_choice').nullable()),
	field: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(40, 'errors.too_long'),
	requestedValue: z.string({ error: 'errors.required' }).trim().min(1, 'errors.required').max(200, 'errors.too_long'),
	note: z.string().trim().max(500, 'errors.too_long').default('')
});

export const houseSchema = z.object({
	category: z.enum(['house', 'shop', 'empty_lot', 'boarding', 'public'], { error: 'errors.invalid_choice' }),
	occupancy: z.enum(OCCUPANCIES, { error: 'errors.invalid_choice' }),
	lat: optionalNumber(-90, 90),
	lng: optionalNumber(-180, 180)
});
