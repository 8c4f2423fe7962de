import { listMyRequests } from '$lib/server/letters/requests';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ requests: await locals.db.run(listMyRequests) });
