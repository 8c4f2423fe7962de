import { surveyReport } from '$lib/server/letters/reports';
import { getRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The RW report of the satisfaction survey (SKM) per service and month. */
export const load: PageServerLoad = async ({ locals }) => surveyReport(getRuntime().db, locals.user!);
