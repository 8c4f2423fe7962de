import { json } from '@sveltejs/kit';
import { may } from '$lib/domain/permissions';
import { listOfficers } from '$lib/server/panic/officers';
import { listOpenIncidents } from '$lib/server/panic/queries';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** The panic overlay's catch-up: the RW's open incidents, the officers to dispatch, the escalation time. */
export const GET: RequestHandler = async ({ locals }) => {
	const { db, config } = getRuntime();
	const [incidents, officers] = await Promise.all([listOpenIncidents(db, locals.db.claims), locals.db.run(listOfficers)]);
	return json(
		{ incidents, officers, canHandle: may(locals.db.user, 'incidents.handle'), escalateS: config.panicEscalateS },
		{ headers: { 'cache-control': 'private, no-store' } }
	);
};
