import { error } from '@sveltejs/kit';
import { todayWib } from '$lib/domain/time';
import { EXPORT_KINDS, exportCsv, exportXlsx, type ExportKind } from '$lib/server/dues/export';
import type { RequestHandler } from './$types';

/** Invoices, payments or the cash book as XLSX (default) or CSV (`?format=csv`). */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const kind = params.kind as ExportKind;
	if (!EXPORT_KINDS.includes(kind)) error(404, { message: 'Not found', key: 'error.404' });
	const csv = url.searchParams.get('format') === 'csv';
	const name = `iuran-${kind}-${locals.db.user.rwCode ?? 'rw'}-${todayWib()}`;
	const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
	if (csv) {
		return new Response(await locals.db.run(exportCsv, kind), {
			headers: { ...headers, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"` }
		});
	}
	return new Response(Buffer.from(await locals.db.run(exportXlsx, kind)), {
		headers: { ...headers, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'content-disposition': `attachment; filename="${name}.xlsx"` }
	});
};
