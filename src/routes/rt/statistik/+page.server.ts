import { complaintStats } from '$lib/server/complaints/stats';
import type { PageServerLoad } from './$types';

/** Complaint statistics of the RTs an RT head heads (the same service: RLS gives them their RTs only) (docs/complaints.md "Statistics"). */
export const load: PageServerLoad = async ({ locals }) => ({ stats: await locals.db.run(complaintStats, new Date()) });
