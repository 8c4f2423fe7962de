import { z } from 'zod';
import { demographics } from '$lib/server/registry/demographics';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const rt = z.coerce.number().int().min(1).max(999).optional().catch(undefined).parse(url.searchParams.get('rt') ?? undefined);
	return { rt: rt ?? null, stats: await locals.db.run(demographics, rt) };
};
