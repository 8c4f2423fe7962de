import { listQueue } from '$lib/server/letters/requests';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The RT head's letter queue: their RT's submitted requests, oldest first, with the SLA clock. */
export const load: PageServerLoad = async ({ locals }) => {
	const { db } = getRuntime();
	const [waiting, done] = await Promise.all([listQueue(db, locals.user!, 'rt', 'waiting'), listQueue(db, locals.user!, 'rt', 'done')]);
	return { waiting, done };
};
