import { error } from '@sveltejs/kit';
import { isMonth, monthOf } from '$lib/domain/dues';
import { reportPdf } from '$lib/server/dues/report-pdf';
import { storedFileResponse } from '$lib/server/http';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, url }) => {
	// Every member of an RW reads its report.
	if (!locals.db.user.rwId) error(403, { message: 'Forbidden', key: 'error.403' });
	const asked = url.searchParams.get('bulan');
	const month = asked && isMonth(`${asked}-01`) ? `${asked}-01` : monthOf(new Date());
	const bytes = await locals.db.run(reportPdf, month, getRuntime().config.origin ?? url.origin);
	return storedFileResponse(bytes, 'application/pdf', `laporan-iuran-${month.slice(0, 7)}.pdf`);
};
