import { error } from '@sveltejs/kit';
import { todayWib } from '$lib/domain/time';
import { exportRegistry } from '$lib/server/registry/export';
import { clientIp } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** POST (not GET): an export is a logged disclosure, so it is an action with a reason. */
export const POST: RequestHandler = async (event) => {
	const reason = String((await event.request.formData()).get('reason') ?? '').trim();
	if (reason.length < 3 || reason.length > 200) error(400, { message: 'Alasan wajib diisi (3–200 karakter).', key: 'errors.reason_short' });
	const { db, pii } = getRuntime();
	const bytes = await exportRegistry(db, pii, event.locals.db.user, reason, clientIp(event));
	// The file is named after the day in the RW (WIB), not the UTC day.
	const date = todayWib();
	return new Response(Buffer.from(bytes), {
		headers: {
			'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'Content-Disposition': `attachment; filename="data-warga-${event.locals.db.user.rwCode ?? 'rw'}-${date}.xlsx"`,
			'Cache-Control': 'no-store'
		}
	});
};
