import { complaintStats } from '$lib/server/complaints/stats';
import type { PageServerLoad } from './$types';

/** Complaint statistics of the whole RW for the RW admin (docs/complaints.md "Statistics"). */
export const load: PageServerLoad = async ({ locals }) => ({ stats: await locals.db.run(complaintStats, new Date()) });
