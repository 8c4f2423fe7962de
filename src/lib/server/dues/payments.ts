import { formatRupiah } from '$lib/domain/money';
import { may } from '$lib/domain/permissions';
import { wibDate } from '$lib/domain/dues';
import type { CashPaymentInput } from '$lib/schemas/dues';
import { withUser, type Database, type Sql } from '../db';
import type { SessionUser } from '../auth/sessions';
import { notify } from '../notifications';
import { DuesRefusal, recordPayment, voidPayment, type RecordedPayment } from './ledger';
import { claims } from './sql';

export type MoneyResult<T = RecordedPayment> = { ok: true; value: T } | { ok: false; reason: string; owed?: number };


/** Runs a money write as the user in one transaction; a DuesRefusal rolls it back and becomes the answer. */
export async function moneyWrite<T>(db: Database, user: SessionUser, fn: (tx: Sql) => Promise<T>): Promise<MoneyResult<T>> {
	try {
		return { ok: true, value: await withUser(db, claims(user), fn) };
	} catch (err) {
		if (err instanceof DuesRefusal) return { ok: false, reason: err.reason, ...err.detail };
		throw err;
	}
}

/** The residents living in a house (for notifications). */
export async function houseUserIds(tx: Sql, houseId: string): Promise<string[]> {
	const rows = await tx.query<{ user_id: string }>('select app.dues_house_user_ids($1) as user_id', [houseId]);
	return rows.map((r) => r.user_id);
}

/** The treasurer records a cash payment; a receipt number is given at once. */
export async function recordCash(db: Database, user: SessionUser, input: CashPaymentInput, now: Date): Promise<MoneyResult> {
	if (!user.rwId || !user.rwCode || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const rwCode = user.rwCode;
	return moneyWrite(db, user, async (tx) => {
		const paid = await recordPayment(tx, {
			rwId,
			rwCode,
			actorId: user.id,
			houseId: input.houseId,
			amount: input.amount,
			method: 'cash',
			proofId: null,
			allowCredit: input.allowCredit,
			receivedOn: wibDate(now)
		});
		await notify(tx, rwId, await houseUserIds(tx, input.houseId), 'dues.payment_recorded', { receipt: paid.receiptNumber, amount: formatRupiah(input.amount) }, '/iuran');
		return paid;
	});
}

/** The treasurer voids a payment with a reason (never deleted). */
export async function voidPaymentAs(db: Database, user: SessionUser, input: { paymentId: string; reason: string }, now: Date): Promise<MoneyResult<null>> {
	if (!user.rwId || !may(user, 'dues.manage')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return moneyWrite(db, user, async (tx) => {
		await voidPayment(tx, { rwId, actorId: user.id, paymentId: input.paymentId, reason: input.reason, now });
		return null;
	});
}
