import { isUuid } from '$lib/domain/ids';
import { getRuntime } from '$lib/server/runtime';
import { listAllCategories, saveCategory } from '$lib/server/complaints/categories';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

/** The RW admin's complaint categories (the guard requires complaints.configure; RLS limits writes to the admin's RW). */
export const load: PageServerLoad = async ({ locals }) => ({ categories: await listAllCategories(getRuntime().db, locals.db.user) });

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

export const actions: Actions = {
	/** Adds a category (no id) or edits one; the form's name is the category's id or "new". */
	save: async ({ locals, request }) => {
		const form = await request.formData();
		const id = text(form, 'id');
		const formName = isUuid(id) ? id : 'new';
		const result = await saveCategory(getRuntime().db, locals.db.user, isUuid(id) ? id : null, {
			name: text(form, 'name'),
			nameEn: text(form, 'name_en'),
			routeTo: text(form, 'route_to'),
			privateByDefault: form.get('private_by_default') === 'on',
			active: form.get('active') === 'on'
		});
		if (result.ok) return { form: formName, done: 'complaints.done.category' };
		if ('reason' in result) return refuse(result.reason === 'not_found' ? 404 : 403, { form: formName, message: result.reason === 'not_found' ? 'complaints.error.not_found' : 'complaints.error.forbidden' });
		return refuse(400, { form: formName, errors: result.errors, values: typedValues(form) });
	}
};
