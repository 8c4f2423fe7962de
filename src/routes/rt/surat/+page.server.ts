import { listQueue } from '$lib/server/letters/requests';
import type { PageServerLoad } from './$types';

/** The RT head's letter queue: their RT's submitted requests, oldest first, with the SLA clock. */
export const load: PageServerLoad = async ({ locals }) => {
	const [waiting, done] = await Promise.all([locals.db.run(listQueue, 'rt', 'waiting'), locals.db.run(listQueue, 'rt', 'done')]);
	return { waiting, done };
};
