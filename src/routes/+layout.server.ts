import type { LayoutServerLoad } from './$types';

/** Sends the client only the user fields the shell needs (sveltejs/realworld). */
export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.user;
	return {
		locale: locals.locale,
		user: user ? { name: user.name, roles: user.roles, rwName: user.rwName } : null
	};
};
