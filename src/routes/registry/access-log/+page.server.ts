import { error } from '@sveltejs/kit';
import { translate } from '$lib/i18n';
import { listPiiAccess } from '$lib/server/registry/reveal';
import type { PageServerLoad } from './$types';
import { may } from '$lib/domain/permissions';

/** Who revealed or exported NIK/KK numbers: RW admin only (RLS enforces it too). */
export const load: PageServerLoad = async ({ locals }) => {
	if (!may(locals.db.user, 'audit.read')) error(403, { message: translate(locals.locale, 'error.403'), key: 'error.403' });
	return { entries: await locals.db.run(listPiiAccess) };
};
