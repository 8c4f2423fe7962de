import { z } from 'zod';
import { wibParts } from '$lib/domain/time';
import { mutationReport } from '$lib/server/registry/mutations';
import type { PageServerLoad } from './$types';

const monthParam = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);

export const load: PageServerLoad = async ({ locals, url }) => {
	const now = wibParts(new Date());
	const fallback = `${now.year}-${String(now.month).padStart(2, '0')}`;
	const parsed = monthParam.safeParse(url.searchParams.get('month'));
	const month = parsed.success ? parsed.data : fallback;
	const [y, m] = month.split('-').map(Number) as [number, number];
	return { month, rows: await locals.db.run(mutationReport, y, m) };
};
