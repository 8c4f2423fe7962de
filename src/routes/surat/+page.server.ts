import { listMyRequests } from '$lib/server/letters/requests';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ requests: await listMyRequests(getRuntime().db, locals.user!) });
