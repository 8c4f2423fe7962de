import { surveyReport } from '$lib/server/letters/reports';
import type { PageServerLoad } from './$types';

/** The RW report of the satisfaction survey (SKM) per service and month. */
export const load: PageServerLoad = async ({ locals }) => locals.db.run(surveyReport);
