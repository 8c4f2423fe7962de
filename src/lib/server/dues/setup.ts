import { componentsTotal, type Component, type Month } from '$lib/domain/dues';
import { may } from '$lib/domain/permissions';
import { queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import type { FileStore } from '../storage/files';
import { newFileKey } from '../storage/files';
import type { AcceptedUpload } from '../storage/uploads';

/** Tariffs, exemptions and the RW's dues settings (pay instructions, overdue day, report names). */

export interface DuesSettings {
	overdueDay: number;
	bankName: string;
	bankAccount: string;
	bankHolder: string;
	hasQris: boolean;
	openingBalance: number;
	reportNames: boolean;
}

const DEFAULTS: DuesSettings = { overdueDay: 10, bankName: '', bankAccount: '', bankHolder: '', hasQris: false, openingBalance: 0, reportNames: false };

const claims = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

export async function getSettings(db: Database, user: SessionUser): Promise<DuesSettings> {
	const rows = await queryAsUser<{ overdue_day: number; bank_name: string; bank_account: string; bank_holder: string; qris_file_key: string | null; opening_balance: string | number; report_names: boolean }>(
		db,
		claims(user),
		'select overdue_day, bank_name, bank_account, bank_holder, qris_file_key, opening_balance, report_names from dues_settings where rw_id = $1',
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
