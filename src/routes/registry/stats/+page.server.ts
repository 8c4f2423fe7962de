import { z } from 'zod';
import { demographics } from '$lib/server/registry/demographics';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const rt = z.coerce.number().int().min(1).max(999).optional().catch(undefined).parse(url.searchParams.get('rt') ?? undefined);
	return { rt: rt ?? null, stats: await demographics(getRuntime().db, locals.user!, rt) };
};
