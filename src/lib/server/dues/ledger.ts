import { randomBytes, randomUUID } from 'node:crypto';
import { allocate, allocationCovers, planPayment, receiptNumber, reversal, type Allocation, type Component, type OpenInvoice } from '$lib/domain/dues';
import type { Sql } from '../db';
import { audit } from '../audit';

/**
 * The ledger's writes, each inside the caller's transaction (as the treasurer, under
 * RLS): a payment allocated oldest-first with its credit, a void that reverses it, and
 * credit spent on invoices that opened later. The house's status row is locked first,
 * so two payments for one house are allocated one after the other.
 */

/** A refusal inside a money transaction: thrown to roll everything back, caught by the service. */
export class DuesRefusal extends Error {
	constructor(
		readonly reason: string,
		readonly detail: Record<string, number> = {}
	) {
		super(reason);
	}
}

export interface PaymentInput {
	rwId: string;
	rwCode: string;
	actorId: string;
	houseId: string;
	amount: number;
	method: 'cash' | 'transfer' | 'qris';
	proofId: string | null;
	allowCredit: boolean;
	/** WIB calendar day. */
	receivedOn: string;
}

export interface RecordedPayment {
	paymentId: string;
	receiptNumber: string;
	verifyToken: string;
	allocated: number;
	credit: number;
}

async function lockHouse(tx: Sql, rwId: string, houseId: string): Promise<{ rtId: string; credit: number }> {
	const house = await tx.query<{ rt_id: string }>('select rt_id from house where id = $1 and rw_id = $2', [houseId, rwId]);
	if (!house[0]) throw new DuesRefusal('house_not_found');
	await tx.query('insert into dues_house_status (house_id, rw_id, rt_id) values ($1, $2, $3) on conflict (house_id) do nothing', [houseId, rwId, house[0].rt_id]);
	const status = await tx.query<{ credit: string | number }>('select credit from dues_house_status where house_id = $1 for update', [houseId]);
	return { rtId: house[0].rt_id, credit: Number(status[0]!.credit) };
}

/** A house's open invoices, locked, with what each has paid and its components (for the income by component). */
interface LockedInvoices {
	open: OpenInvoice[];
	byId: Map<string, { components: Component[]; paid: number }>;
}

async function openInvoices(tx: Sql, houseId: string): Promise<LockedInvoices> {
	const rows = await tx.query<{ id: string; month: string; open: string | number; paid: string | number; components: Component[] }>(
		`select id, month::text as month, amount - paid as open, paid, components from dues_invoice where house_id = $1 and paid < amount order by month for update`,
		[houseId]
	);
	return {
		open: rows.map((r) => ({ id: r.id, month: r.month, open: Number(r.open) })),
		byId: new Map(rows.map((r) => [r.id, { components: r.components, paid: Number(r.paid) }]))
	};
}

/**
 * Writes allocations with the components each pays (counted in the month its payment
 * was received, by a trigger: docs/dues.md, "Transparency report"), then the invoices' paid.
 */
async function writeAllocations(tx: Sql, rwId: string, allocations: Allocation[], invoices: LockedInvoices): Promise<void> {
	if (allocations.length === 0) return;
	const covers = allocationCovers(allocations, invoices.byId);
	await tx.query(
		`insert into dues_allocation (rw_id, payment_id, invoice_id, amount, components)
		 select $1, p, i, a, c::jsonb from unnest($2::uuid[], $3::uuid[], $4::int8[], $5::text[]) as t(p, i, a, c)`,
		[rwId, allocations.map((a) => a.sourceId), allocations.map((a) => a.invoiceId), allocations.map((a) => a.amount), covers.map((c) => JSON.stringify(c))]
	);
	const perInvoice = reversal(allocations);
	await tx.query(
		`update dues_invoice i set paid = i.paid + t.a from unnest($1::uuid[], $2::int8[]) as t(id, a) where i.id = t.id`,
		[[...perInvoice.keys()], [...perInvoice.values()]]
	);
}

/** Records a payment and allocates it; throws DuesRefusal (nothing written) when the plan is refused. */
export async function recordPayment(tx: Sql, input: PaymentInput): Promise<RecordedPayment> {
	const { credit } = await lockHouse(tx, input.rwId, input.houseId);
	const invoices = await openInvoices(tx, input.houseId);
	const paymentId = randomUUID();
	const plan = planPayment(paymentId, input.amount, invoices.open, input.allowCredit);
	if (!plan.ok) throw new DuesRefusal(plan.reason, { owed: plan.owed });
	const year = Number(input.receivedOn.slice(0, 4));
	const [register] = await tx.query<{ last_seq: number }>(
		`insert into dues_receipt_register as r (rw_id, year, last_seq) values ($1, $2, 1)
		 on conflict (rw_id, year) do update set last_seq = r.last_seq + 1 returning last_seq`,
		[input.rwId, year]
	);
	const number = receiptNumber(register!.last_seq, input.rwCode, year);
	const verifyToken = randomBytes(18).toString('base64url');
	await tx.query(
		`insert into dues_payment (id, rw_id, house_id, method, amount, unallocated, received_on, receipt_number, verify_token, proof_id, recorded_by)
		 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		[paymentId, input.rwId, input.houseId, input.method, input.amount, plan.credit, input.receivedOn, number, verifyToken, input.proofId, input.actorId]
	);
	await writeAllocations(tx, input.rwId, plan.allocations, invoices);
	if (plan.credit > 0) await tx.query('update dues_house_status set credit = $2 where house_id = $1', [input.houseId, credit + plan.credit]);
	const allocated = input.amount - plan.credit;
	await audit(tx, {
		rwId: input.rwId,
		actorId: input.actorId,
		action: 'dues.payment',
		target: paymentId,
		detail: { house: input.houseId, amount: input.amount, method: input.method, receipt: number, allocated, credit: plan.credit, proof: input.proofId }
	});
	return { paymentId, receiptNumber: number, verifyToken, allocated, credit: plan.credit };
}

/**
 * Spends a house's credit (unallocated parts of its payments, oldest payment first) on
 * its open invoices, oldest month first. Returns what was spent.
 */
export async function applyCredit(tx: Sql, rwId: string, houseId: string, actorId: string | null): Promise<number> {
	const { credit } = await lockHouse(tx, rwId, houseId);
	if (credit === 0) return 0;
	const sources = await tx.query<{ id: string; unallocated: string | number }>(
		`select id, unallocated from dues_payment where house_id = $1 and voided_at is null and unallocated > 0 order by received_on, recorded_at for update`,
		[houseId]
	);
	const invoices = await openInvoices(tx, houseId);
	if (invoices.open.length === 0) return 0;
	const { allocations, left } = allocate(
		sources.map((s) => ({ id: s.id, available: Number(s.unallocated) })),
		invoices.open
	);
	if (allocations.length === 0) return 0;
	await writeAllocations(tx, rwId, allocations, invoices);
	await tx.query(`update dues_payment p set unallocated = t.u from unnest($1::uuid[], $2::int8[]) as t(id, u) where p.id = t.id`, [
		[...left.keys()],
		[...left.values()]
	]);
	const spent = allocations.reduce((s, a) => s + a.amount, 0);
	await tx.query('update dues_house_status set credit = credit - $2 where house_id = $1', [houseId, spent]);
	await audit(tx, { rwId, actorId, action: 'dues.credit_applied', target: houseId, detail: { spent } });
	return spent;
}

/**
 * Voids a payment (never deleted): who, when and why on the row, every allocation
 * reversed (the invoices owe again), its credit withdrawn; the house's other credit is
 * then spent on what reopened.
 */
export async function voidPayment(tx: Sql, input: { rwId: string; actorId: string; paymentId: string; reason: string; now: Date }): Promise<void> {
	const [payment] = await tx.query<{ house_id: string; unallocated: string | number; amount: string | number; receipt_number: string }>(
		`select house_id, unallocated, amount, receipt_number from dues_payment where id = $1 and rw_id = $2 and voided_at is null`,
		[input.paymentId, input.rwId]
	);
	if (!payment) throw new DuesRefusal('not_found');
	await lockHouse(tx, input.rwId, payment.house_id);
	const reversed = await tx.query<{ invoice_id: string; amount: string | number }>(
		`update dues_allocation set reversed_at = $2 where payment_id = $1 and reversed_at is null returning invoice_id, amount`,
		[input.paymentId, input.now]
	);
	const back = reversal(reversed.map((r) => ({ invoiceId: r.invoice_id, amount: Number(r.amount) })));
	if (back.size > 0) {
		await tx.query(`update dues_invoice i set paid = i.paid - t.a from unnest($1::uuid[], $2::int8[]) as t(id, a) where i.id = t.id`, [
			[...back.keys()],
			[...back.values()]
		]);
	}
	const voided = await tx.query(
		`update dues_payment set voided_at = $2, voided_by = $3, void_reason = $4, unallocated = 0 where id = $1 and voided_at is null returning id`,
		[input.paymentId, input.now, input.actorId, input.reason]
	);
	if (voided.length === 0) throw new DuesRefusal('not_found');
	const withdrawn = Number(payment.unallocated);
	if (withdrawn > 0) await tx.query('update dues_house_status set credit = credit - $2 where house_id = $1', [payment.house_id, withdrawn]);
	await audit(tx, {
		rwId: input.rwId,
		actorId: input.actorId,
		action: 'dues.payment_void',
		target: input.paymentId,
		detail: { receipt: payment.receipt_number, amount: Number(payment.amount), reason: input.reason, reversed: [...back.values()].reduce((s, a) => s + a, 0) }
	});
	await applyCredit(tx, input.rwId, payment.house_id, input.actorId);
}
