import { json } from '@sveltejs/kit';
import { isUuid } from '$lib/domain/ids';
import { getRuntime } from '$lib/server/runtime';
import { findDuplicates } from '$lib/server/complaints/service';
import type { RequestHandler } from './$types';

/** Open public reports of a category near a pin, for the report form's "me too" suggestions. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const category = url.searchParams.get('category') ?? '';
	const lat = Number(url.searchParams.get('lat'));
	const lng = Number(url.searchParams.get('lng'));
	if (!isUuid(category) || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return json([]);
	const found = await findDuplicates(getRuntime().db, locals.db.user, category, { lat, lng });
	return json(found.map((d) => ({ id: d.id, title: d.title, status: d.status, supporter_count: d.supporter_count, distanceM: d.distanceM })));
};
