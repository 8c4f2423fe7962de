import { monthOf } from '$lib/domain/dues';
import { expenseSchema, expenseVoidSchema, openingBalanceSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { cashBook, listExpenses, recordExpense, voidExpense } from '$lib/server/dues/book';
import { getSettings, setOpeningBalance } from '$lib/server/dues/setup';
import { getRuntime } from '$lib/server/runtime';
import { acceptUpload } from '$lib/server/storage/uploads';
import { refuse, typedValues } from '$lib/web/action-result.server';
import { refuseMoney } from '$lib/web/dues/refusal.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const month = monthOf(new Date());
	const [book, expenses, settings] = await Promise.all([locals.db.run(cashBook), locals.db.run(listExpenses, month), locals.db.run(getSettings)]);
	return { book, expenses, month, opening: { amount: settings.openingBalance, month: settings.openingMonth } };
};

export const actions: Actions = {
	expense: async ({ locals, request }) => {
		const form = await request.formData();
		const values = typedValues(form);
		const parsed = parseForm(expenseSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'expense', errors: parsed.errors, values: parsed.values });
		const file = form.get('photo');
		let photo = null;
		if (file instanceof File && file.size > 0) {
			const accepted = await acceptUpload({ bytes: new Uint8Array(await file.arrayBuffer()), name: file.name }, { allow: ['image'] });
			if (!accepted.ok) return refuse(400, { form: 'expense', errors: { photo: accepted.problem }, values });
			photo = accepted.file;
		}
		const result = await locals.db.run(recordExpense, getRuntime().files, parsed.data, photo);
		if (!result.ok) return refuse(403, { form: 'expense', message: 'errors.forbidden', values });
		return { form: 'expense', done: 'dues.expense.saved' };
	},
	// Each expense row has its own form, named by the expense's id (as the payments' voids).
	voidExpense: async ({ locals, request }) => {
		const form = await request.formData();
		const id = String(form.get('expenseId') ?? '');
		const parsed = parseForm(expenseVoidSchema, form);
		if (!parsed.ok) return refuse(400, { form: id, errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(voidExpense, parsed.data, new Date());
		if (!result.ok) return refuseMoney(id, result.reason, typedValues(form));
		return { form: id, done: 'dues.expense.voided_done' };
	},
	opening: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(openingBalanceSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'opening', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(setOpeningBalance, parsed.data, new Date());
		if (!result.ok) {
			if (result.reason === 'forbidden') return refuse(403, { form: 'opening', message: 'dues.refused.forbidden', values: typedValues(form) });
			return refuse(400, { form: 'opening', errors: { month: 'dues.opening.month_future' }, values: typedValues(form) });
		}
		return { form: 'opening', done: 'dues.opening.saved' };
	}
};
