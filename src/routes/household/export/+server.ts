import { json } from '@sveltejs/kit';
import { myHouseholds } from '$lib/server/registry/residents';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** A resident's own household data as JSON (UU 27/2022 art. 7: access to one's own data). */
export const GET: RequestHandler = async ({ locals }) => {
	const households = await myHouseholds(getRuntime().db, locals.user!);
	return json(
		{ exported_at: new Date().toISOString(), rw: locals.user!.rwName, households },
		{ headers: { 'Content-Disposition': 'attachment; filename="data-keluarga-saya.json"', 'Cache-Control': 'no-store' } }
	);
};
