import { mayAnywhere } from '$lib/domain/permissions';
import { getRuntime } from '$lib/server/runtime';
import { listAnnouncements, markRead, postAnnouncement, postTargets } from '$lib/server/announcements/service';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.db.user;
	const canPost = mayAnywhere(user, 'announcements.post');
	const [items, targets] = await Promise.all([locals.db.run(listAnnouncements), canPost ? locals.db.run(postTargets) : null]);
	return { items, targets };
};

export const actions: Actions = {
	post: async ({ request, locals }) => {
		const form = await request.formData();
		const image = form.get('image');
		const target = String(form.get('target') ?? '');
		const result = await locals.db.run(postAnnouncement, getRuntime().files, {
			title: String(form.get('title') ?? ''),
			body: String(form.get('body') ?? ''),
			rtId: target === 'rw' || target === '' ? null : target,
			push: form.get('push') === 'on',
			image: image instanceof File && image.size > 0 ? { bytes: new Uint8Array(await image.arrayBuffer()), name: image.name } : null
		});
		if (!result.ok) {
			if ('forbidden' in result) return refuse(403, { form: 'post', message: 'error.403', values: typedValues(form) });
			return refuse(400, { form: 'post', errors: result.errors, values: typedValues(form) });
		}
		return { form: 'post', done: 'announcement.posted' };
	},
	read: async ({ request, locals }) => {
		const ids = (await request.formData()).getAll('id').map(String).filter((id) => /^[0-9a-f-]{36}$/.test(id));
		await locals.db.run(markRead, ids);
		return { form: 'read', done: 'announcement.marked_read' };
	}
};
