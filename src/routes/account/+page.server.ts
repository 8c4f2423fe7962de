import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	const user = locals.db.user;
	return { name: user.name, phone: user.phone, rwName: user.rwName, roles: user.roles, expiresAt: user.expiresAt.toISOString() };
};
