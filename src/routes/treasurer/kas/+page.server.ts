import { monthOf } from '$lib/domain/dues';
import { expenseSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { cashBook, listExpenses, recordExpense } from '$lib/server/dues/book';
import { getRuntime } from '$lib/server/runtime';
import { acceptUpload } from '$lib/server/storage/uploads';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const month = monthOf(new Date());
	const [book, expenses] = await Promise.all([locals.db.run(cashBook), locals.db.run(listExpenses, month)]);
	return { book, expenses, month };
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
	}
};
