import { componentsTotal, monthOf, type Component, type Month } from '$lib/domain/dues';
import { may } from '$lib/domain/permissions';
import { queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import type { FileStore } from '../storage/files';
import { newFileKey } from '../storage/files';
import type { AcceptedUpload } from '../storage/uploads';
import { claims, HOUSE_LABEL, rwRows } from './sql';

/** Tariffs, exemptions and the RW's dues settings (pay instructions, overdue day, report names). */

export interface DuesSettings {
	overdueDay: number;
	bankName: string;
	bankAccount: string;
	bankHolder: string;
	hasQris: boolean;
	openingBalance: number;
	/** The cash book's first month (`YYYY-MM-01`): earlier months are not in it. */
	openingMonth: string;
	reportNames: boolean;
}

const DEFAULTS: DuesSettings = { overdueDay: 10, bankName: '', bankAccount: '', bankHolder: '', hasQris: false, openingBalance: 0, openingMonth: '2026-01-01', reportNames: false };


export async function getSettings(db: Database, user: SessionUser): Promise<DuesSettings> {
	const rows = await queryAsUser<{ overdue_day: number; bank_name: string; bank_account: string; bank_holder: string; qris_file_key: string | null; opening_balance: string | number; opening_month: string; report_names: boolean }>(
		db,
		claims(user),
		'select overdue_day, bank_name, bank_account, bank_holder, qris_file_key, opening_balance, opening_month::text as opening_month, report_names from dues_settings where rw_id = $1',
		[user.rwId]
	);
	const r = rows[0];
	if (!r) return DEFAULTS;
	return {
		overdueDay: r.overdue_day,
		bankName: r.bank_name,
		bankAccount: r.bank_account,
		bankHolder: r.bank_holder,
		hasQris: r.qris_file_key !== null,
		openingBalance: Number(r.opening_balance),
		openingMonth: r.opening_month,
		reportNames: r.report_names
	};
}

export type SetupResult = { ok: true } | { ok: false; reason: 'forbidden' | 'exists' | 'invalid' };

export async function saveSettings(
	db: Database,
	user: SessionUser,
	store: FileStore,
	input: { overdueDay: number; bankName: string; bankAccount: string; bankHolder: string; reportNames: boolean },
	qris: AcceptedUpload | null
): Promise<SetupResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const key = qris ? newFileKey('qris', rwId, qris.ext) : null;
	if (qris && key) await store.put(key, qris.bytes, qris.contentType);
	await withUser(db, claims(user), async (tx) => {
		await tx.query(
			`insert into dues_settings as s (rw_id, overdue_day, bank_name, bank_account, bank_holder, qris_file_key, report_names, updated_at)
			 values ($1, $2, $3, $4, $5, $6, $7, now())
			 on conflict (rw_id) do update set overdue_day = excluded.overdue_day, bank_name = excluded.bank_name,
			   bank_account = excluded.bank_account, bank_holder = excluded.bank_holder,
			   qris_file_key = coalesce(excluded.qris_file_key, s.qris_file_key), report_names = excluded.report_names, updated_at = now()`,
			[rwId, input.overdueDay, input.bankName, input.bankAccount, input.bankHolder, key, input.reportNames]
		);
		await audit(tx, { rwId, actorId: user.id, action: 'dues.settings', detail: { ...input, qris: key !== null } });
	});
	return { ok: true };
}

export async function readQris(db: Database, user: SessionUser, store: FileStore): Promise<{ bytes: Uint8Array; contentType: string } | null> {
	const rows = await queryAsUser<{ qris_file_key: string | null }>(db, claims(user), 'select qris_file_key from dues_settings where rw_id = $1', [user.rwId]);
	const key = rows[0]?.qris_file_key;
	return key ? store.get(key) : null;
}

export interface TariffRow {
	id: string;
	category: string;
	rt_id: string | null;
	rt_number: number | null;
	valid_from: string;
	components: Component[];
	total: number;
}

export function listTariffs(db: Database, user: SessionUser): Promise<TariffRow[]> {
	return queryAsUser<TariffRow>(
		db,
		claims(user),
		`select t.id, t.category, t.rt_id, rt.number as rt_number, t.valid_from::text as valid_from, t.components, t.total::int as total
		   from dues_tariff t left join rt on rt.id = t.rt_id where t.rw_id = $1 order by t.category, rt.number nulls first, t.valid_from desc`,
		[user.rwId]
	);
}

/** A new tariff from a month on; earlier invoices keep what they froze. */
export async function addTariff(
	db: Database,
	user: SessionUser,
	input: { category: string; rtId: string | null; validFrom: Month; components: Component[] }
): Promise<SetupResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const total = componentsTotal(input.components);
	if (total === null) return { ok: false, reason: 'invalid' };
	const rwId = user.rwId;
	return withUser(db, claims(user), async (tx) => {
		const [row] = await tx.query<{ id: string }>(
			`insert into dues_tariff (rw_id, category, rt_id, valid_from, components, total, created_by)
			 select $1, $2, $3, $4, $5::text::jsonb, $6, $7
			  where $3::uuid is null or exists (select 1 from rt where id = $3 and rw_id = $1)
			 on conflict do nothing returning id`,
			[rwId, input.category, input.rtId, input.validFrom, JSON.stringify(input.components), total, user.id]
		);
		if (!row) return { ok: false, reason: 'exists' } as const;
		await audit(tx, { rwId, actorId: user.id, action: 'dues.tariff', target: row.id, detail: { ...input, total } });
		return { ok: true } as const;
	});
}

export async function addExemption(db: Database, user: SessionUser, input: { houseId: string; fromMonth: Month; reason: string }): Promise<SetupResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, claims(user), async (tx) => {
		const [row] = await tx.query<{ id: string }>(
			`insert into dues_exemption (rw_id, house_id, from_month, reason, created_by)
			 select $1, h.id, $3, $4, $5 from house h where h.id = $2 and h.rw_id = $1 returning id`,
			[rwId, input.houseId, input.fromMonth, input.reason, user.id]
		);
		if (!row) return { ok: false, reason: 'invalid' } as const;
		await audit(tx, { rwId, actorId: user.id, action: 'dues.exemption', target: input.houseId, detail: input });
		return { ok: true } as const;
	});
}

export interface ExemptionRow {
	id: string;
	house: string;
	from_month: string;
	to_month: string | null;
	reason: string;
}

/** The RW's exemptions, open-ended and running ones first. */
export function listExemptions(db: Database, user: SessionUser): Promise<ExemptionRow[]> {
	return rwRows<ExemptionRow>(
		db,
		user,
		`select e.id, ${HOUSE_LABEL} as house, e.from_month::text as from_month, e.to_month::text as to_month, e.reason
		   from dues_exemption e join house h on h.id = e.house_id join rt on rt.id = h.rt_id
		  where e.rw_id = $1 order by e.to_month is not null, e.to_month desc, rt.number, h.block, h.number`
	);
}

export type EndExemptionResult = { ok: true } | { ok: false; reason: 'forbidden' | 'not_found' | 'exemption_ended' | 'exemption_before_start' };

/**
 * Ends an open-ended exemption: `toMonth` is its last exempt month, the house is
 * invoiced again from the month after (by the next generation). Kept, never deleted;
 * audited. An exemption already ended is not changed again.
 */
export async function endExemption(db: Database, user: SessionUser, input: { exemptionId: string; toMonth: Month }): Promise<EndExemptionResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, claims(user), async (tx) => {
		const [row] = await tx.query<{ house_id: string; from_month: string; to_month: string | null }>(
			'select house_id, from_month::text as from_month, to_month::text as to_month from dues_exemption where id = $1 and rw_id = $2 for update',
			[input.exemptionId, rwId]
		);
		if (!row) return { ok: false, reason: 'not_found' } as const;
		if (row.to_month !== null) return { ok: false, reason: 'exemption_ended' } as const;
		if (input.toMonth < row.from_month) return { ok: false, reason: 'exemption_before_start' } as const;
		await tx.query('update dues_exemption set to_month = $2 where id = $1 and to_month is null', [input.exemptionId, input.toMonth]);
		await audit(tx, { rwId, actorId: user.id, action: 'dues.exemption_end', target: input.exemptionId, detail: { house: row.house_id, toMonth: input.toMonth } });
		return { ok: true } as const;
	});
}

export type OpeningBalanceResult = { ok: true } | { ok: false; reason: 'forbidden' | 'month_future' };

/**
 * Sets the cash book's opening balance and first month, with the earlier values in the
 * audit log, in one transaction. Whole rupiah, 0 or more; the month not after this one.
 */
export async function setOpeningBalance(db: Database, user: SessionUser, input: { amount: number; month: Month }, now: Date): Promise<OpeningBalanceResult> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new RangeError('opening balance must be whole rupiah, 0 or more');
	if (input.month > monthOf(now)) return { ok: false, reason: 'month_future' };
	const rwId = user.rwId;
	return withUser(db, claims(user), async (tx) => {
		const [before] = await tx.query<{ opening_balance: string | number; opening_month: string }>(
			'select opening_balance, opening_month::text as opening_month from dues_settings where rw_id = $1 for update',
			[rwId]
		);
		await tx.query(
			`insert into dues_settings as s (rw_id, opening_balance, opening_month, updated_at) values ($1, $2, $3, now())
			 on conflict (rw_id) do update set opening_balance = excluded.opening_balance, opening_month = excluded.opening_month, updated_at = now()`,
			[rwId, input.amount, input.month]
		);
		await audit(tx, {
			rwId,
			actorId: user.id,
			action: 'dues.opening_balance',
			detail: { amount: input.amount, month: input.month, before: before ? { amount: Number(before.opening_balance), month: before.opening_month } : null }
		});
		return { ok: true } as const;
	});
}
