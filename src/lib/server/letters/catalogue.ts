import catalogueFile from './layanan.json';
import { defaultFields, defaultTemplate } from '$lib/domain/letter-forms';
import { DEFAULT_NUMBER_FORMAT } from '$lib/domain/letter-number';
import { withAnon, withUser, type Database, type Sql } from '../db';
import { audit } from '../audit';
import type { SessionUser } from '../auth/sessions';
import type { LetterService } from '$lib/views/letters';

export type { LetterService };


export interface LetterSettings {
	number_format: string;
	place: string;
	office_hours: { weekday: number; start: string; end: string }[];
	slot_minutes: number;
	per_slot: number;
}

interface SeedService {
	kind: string;
	nama: string;
	mode: 'online' | 'tatap_muka' | 'tautan';
	jangka_waktu_hari?: number;
	biaya_rp?: number;
	persyaratan?: string[];
	produk?: string;
	dasar_hukum?: string[];
	alasan?: string;
	url_label?: string;
}

const seed = catalogueFile as { pengaduan_default: string; prosedur_default: string[]; layanan: SeedService[] };

/** Addresses of the other offices' services; the file names them but leaves the URL to each RW. */
export interface SeedLinks {
	[kind: string]: string;
}

const COLUMNS = `id, kind, name, mode, requirements, procedure, legal_basis, days, fee_rp::int as fee_rp, product,
	complaint_channel, in_person_reason, external_url, external_label, fields, template, active`;

/**
 * Seeds an RW's catalogue from `layanan.json` (17 services) and its letter settings;
 * services that already exist are left as the RW admin edited them.
 */
export async function seedLetterCatalogue(tx: Sql, rwId: string, options: { place: string; links?: SeedLinks }): Promise<void> {
	const s = seed.layanan;
	await tx.query(
		`insert into letter_service (rw_id, kind, name, mode, requirements, procedure, legal_basis, days, fee_rp, product,
		   complaint_channel, in_person_reason, external_url, external_label, fields, template, sort)
		 select $1, k, n, m, array(select jsonb_array_elements_text(r::jsonb)), array(select jsonb_array_elements_text(p::jsonb)),
		        array(select jsonb_array_elements_text(l::jsonb)), d, f, pr, $2, ip, u, ul, fl::jsonb, tp, ord
		   from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[],
		               $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::int[])
		        as t(k, n, m, r, p, l, d, f, pr, ip, u, ul, fl, tp, ord)
		 on conflict (rw_id, kind) do nothing`,
		[
			rwId,
			seed.pengaduan_default,
			s.map((x) => x.kind),
			s.map((x) => x.nama),
			s.map((x) => x.mode),
			s.map((x) => JSON.stringify(x.persyaratan ?? [])),
			s.map((x) => JSON.stringify(x.mode === 'online' ? seed.prosedur_default : [])),
			s.map((x) => JSON.stringify(x.dasar_hukum ?? [])),
			s.map((x) => (x.mode === 'tautan' ? null : (x.jangka_waktu_hari ?? null))),
			s.map((x) => x.biaya_rp ?? 0),
			s.map((x) => x.produk ?? ''),
			s.map((x) => x.alasan ?? ''),
			s.map((x) => options.links?.[x.kind] ?? null),
			s.map((x) => x.url_label ?? ''),
			s.map((x) => JSON.stringify(x.mode === 'online' ? defaultFields(x.kind) : [])),
			s.map((x) => (x.mode === 'online' ? defaultTemplate(x.kind) : '')),
			s.map((_, i) => i)
		]
	);
	await tx.query(
		`insert into letter_settings (rw_id, place, office_hours) values ($1, $2, $3::text::jsonb) on conflict (rw_id) do nothing`,
		[
			rwId,
			options.place,
			JSON.stringify([1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '19:00', end: '21:00' })).concat([{ weekday: 6, start: '09:00', end: '12:00' }]))
		]
	);
}

/** RWs created before the letters migration get the catalogue on the next start. */
export async function seedMissingCatalogues(db: Database, links?: SeedLinks): Promise<number> {
	const rws = await db.query<{ id: string; city: string }>(
		'select id, city from rw where not exists (select 1 from letter_settings s where s.rw_id = rw.id)'
	);
	for (const rw of rws) await db.transaction((tx) => seedLetterCatalogue(tx, rw.id, { place: rw.city, links }));
	return rws.length;
}

/** The public catalogue of an RW (anyone may read it: it is a service standard). */
export function listServices(db: Database, rwId: string, options: { includeInactive?: boolean } = {}): Promise<LetterService[]> {
	return withAnon(db, (tx) =>
		tx.query<LetterService>(
			`select ${COLUMNS} from letter_service where rw_id = $1 ${options.includeInactive ? '' : 'and active'} order by sort, name`,
			[rwId]
		)
	);
}

export async function getService(db: Sql, rwId: string, kind: string): Promise<LetterService | null> {
	const rows = await db.query<LetterService>(`select ${COLUMNS} from letter_service where rw_id = $1 and kind = $2`, [rwId, kind]);
	return rows[0] ?? null;
}

export function getPublicService(db: Database, rwId: string, kind: string): Promise<LetterService | null> {
	return withAnon(db, (tx) => getService(tx, rwId, kind));
}

export type ServiceInput = Omit<LetterService, 'id' | 'kind'>;

/** $1..$17 of the service writes, in column order. */
const serviceParams = (user: SessionUser, kind: string, input: ServiceInput): unknown[] => [
	user.rwId,
	kind,
	input.name,
	input.mode,
	input.requirements,
	input.procedure,
	input.legal_basis,
	input.days,
	input.fee_rp,
	input.product,
	input.complaint_channel,
	input.in_person_reason,
	input.external_url,
	input.external_label,
	JSON.stringify(input.fields),
	input.template,
	input.active
];

/** RW admin edits a service (requirements, fields, template, active…); audited. */
export async function updateService(db: Database, user: SessionUser, kind: string, input: ServiceInput): Promise<boolean> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const rows = await tx.query(
			`update letter_service set name = $3, mode = $4, requirements = $5, procedure = $6, legal_basis = $7, days = $8,
			        fee_rp = $9, product = $10, complaint_channel = $11, in_person_reason = $12, external_url = $13,
			        external_label = $14, fields = $15::text::jsonb, template = $16, active = $17, updated_at = now()
			  where rw_id = $1 and kind = $2 returning id`,
			serviceParams(user, kind, input)
		);
		if (rows.length === 0) return false;
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'letters.service.update', target: kind });
		return true;
	});
}

/** RW admin adds a service of their own (a kind code not yet used). */
export async function createService(db: Database, user: SessionUser, kind: string, input: ServiceInput): Promise<'ok' | 'exists'> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const rows = await tx.query(
			`insert into letter_service (rw_id, kind, name, mode, requirements, procedure, legal_basis, days, fee_rp, product,
			   complaint_channel, in_person_reason, external_url, external_label, fields, template, active, sort)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::jsonb, $16, $17,
			         (select coalesce(max(sort), 0) + 1 from letter_service where rw_id = $1))
			 on conflict (rw_id, kind) do nothing returning id`,
			serviceParams(user, kind, input)
		);
		if (rows.length === 0) return 'exists';
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'letters.service.create', target: kind });
		return 'ok';
	});
}

export async function getSettings(db: Sql, rwId: string): Promise<LetterSettings> {
	const { text, params } = settingsStatement(rwId);
	return settingsFrom(await db.query<LetterSettings>(text, params));
}

/** The read of `getSettings`, for a batch; its rows give the settings through `settingsFrom`. */
export const settingsStatement = (rwId: string) => ({
	text: 'select number_format, place, office_hours, slot_minutes, per_slot from letter_settings where rw_id = $1',
	params: [rwId]
});

/** An RW's settings from the rows of `settingsStatement`: the defaults until it saved its own. */
export const settingsFrom = (rows: LetterSettings[]): LetterSettings =>
	rows[0] ?? { number_format: DEFAULT_NUMBER_FORMAT, place: '', office_hours: [], slot_minutes: 30, per_slot: 3 };

/** The service a request is for, as `getService` reads it, for a batch (the request of the RW `rwId` only). */
export const serviceOfRequestStatement = (requestId: string, rwId: string) => ({
	text: `select ${COLUMNS} from letter_service where id = (select service_id from letter_request where id = $1 and rw_id = $2)`,
	params: [requestId, rwId]
});

export function readSettings(db: Database, rwId: string): Promise<LetterSettings> {
	return withAnon(db, (tx) => getSettings(tx, rwId));
}

export async function updateSettings(db: Database, user: SessionUser, input: LetterSettings): Promise<void> {
	await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		await tx.query(
			`insert into letter_settings (rw_id, number_format, place, office_hours, slot_minutes, per_slot)
			 values ($1, $2, $3, $4::text::jsonb, $5, $6)
			 on conflict (rw_id) do update set number_format = excluded.number_format, place = excluded.place,
			   office_hours = excluded.office_hours, slot_minutes = excluded.slot_minutes, per_slot = excluded.per_slot, updated_at = now()`,
			[user.rwId, input.number_format, input.place, JSON.stringify(input.office_hours), input.slot_minutes, input.per_slot]
		);
		await audit(tx, { rwId: user.rwId, actorId: user.id, action: 'letters.settings.update', detail: { number_format: input.number_format } });
	});
}

export interface CatalogueRw {
	id: string;
	code: string;
	name: string;
	city: string;
}

/**
 * Which RW's catalogue a page shows: the member's own RW, else `?rw=CODE`, else the
 * first RW (a deployment usually serves one).
 */
export async function catalogueRw(db: Database, user: SessionUser | null, code: string | null): Promise<CatalogueRw | null> {
	return withAnon(db, async (tx) => {
		const rows = user?.rwId
			? await tx.query<CatalogueRw>('select id, code, name, city from rw where id = $1', [user.rwId])
			: code
				? await tx.query<CatalogueRw>('select id, code, name, city from rw where code = $1', [code.toUpperCase()])
				: await tx.query<CatalogueRw>('select id, code, name, city from rw order by code limit 1');
		return rows[0] ?? null;
	});
}
