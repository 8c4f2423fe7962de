import { json } from '@sveltejs/kit';
import { storedFileResponse } from '$lib/server/http';
import { renderHouseholdPdf } from '$lib/server/registry/household-pdf';
import { myHouseholds } from '$lib/server/registry/residents';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/**
 * A resident's own household data (UU 27/2022 art. 7: access to one's own data):
 * JSON by default, `?format=pdf` as a PDF to read and keep.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const user = locals.db.user;
	const households = await myHouseholds(getRuntime().db, user);
	const exportedAt = new Date();
	if (url.searchParams.get('format') === 'pdf') {
		const pdf = await renderHouseholdPdf({ rwName: user.rwName, households, exportedAt, locale: locals.locale });
		return storedFileResponse(pdf, 'application/pdf', 'data-keluarga-saya.pdf');
	}
	return json(
		{ exported_at: exportedAt.toISOString(), rw: user.rwName, households },
		{ headers: { 'Content-Disposition': 'attachment; filename="data-keluarga-saya.json"', 'Cache-Control': 'no-store' } }
	);
};
