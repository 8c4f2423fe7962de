import { cashPaymentSchema, voidSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { recordCash, voidPaymentAs } from '$lib/server/dues/payments';
import { houseOptions, recentPayments } from '$lib/server/dues/views';
import { refuse, typedValues } from '$lib/web/action-result.server';
import { refuseMoney } from '$lib/web/dues/refusal.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const house = url.searchParams.get('house');
	const [houses, payments] = await Promise.all([locals.db.run(houseOptions), locals.db.run(recentPayments)]);
	return { houses, payments, house: houses.some((h) => h.id === house) ? house : null };
};

export const actions: Actions = {
	cash: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(cashPaymentSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'cash', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(recordCash, parsed.data, new Date());
		if (!result.ok) return refuseMoney('cash', result.reason, typedValues(form));
		return { form: 'cash', done: 'dues.cash_recorded', receipt: result.value.receiptNumber, paymentId: result.value.paymentId };
	},
	void: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(voidSchema, form);
		const id = String(form.get('paymentId') ?? '');
		if (!parsed.ok) return refuse(400, { form: id, errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(voidPaymentAs, parsed.data, new Date());
		if (!result.ok) return refuseMoney(id, result.reason, typedValues(form));
		return { form: id, done: 'dues.voided_done' };
	}
};
